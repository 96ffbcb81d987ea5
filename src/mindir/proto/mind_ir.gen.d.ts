import * as $protobuf from "protobufjs";
import Long = require("long");

export namespace mind_ir {

    enum Version {
        IR_VERSION_START = 0,
        IR_VERSION = 1,
        IR_VERSION_WITH_PRIM_FUNCTION = 2,
        IR_VERSION_WITH_SCALAR_GRAPH_HOLDER = 3
    }

    interface IAttributeProto extends mind_ir.AttributeProto.$Properties {
    }

    class AttributeProto {
        constructor(properties?: mind_ir.AttributeProto.$Properties);
        $unknowns?: Uint8Array[];
        name: string;
        f: number;
        i: (number|Long);
        d: number;
        s: Uint8Array;
        t?: (mind_ir.TensorProto.$Properties|null);
        g?: (mind_ir.GraphProto.$Properties|null);
        floats: number[];
        doubles: number[];
        ints: (number|Long)[];
        strings: Uint8Array[];
        tensors: mind_ir.TensorProto.$Properties[];
        graphs: mind_ir.GraphProto.$Properties[];
        docString: string;
        refAttrName: string;
        type: mind_ir.AttributeProto.AttributeType;
        values: mind_ir.AttributeProto.$Properties[];
        seqInfo?: (mind_ir.AttributeProto.SeqInfoProto.$Properties|null);
        functor?: (mind_ir.FunctorProto.$Properties|null);
        graphHolder?: (mind_ir.ScalarGraphHolderProto.$Properties|null);
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): mind_ir.AttributeProto & mind_ir.AttributeProto.$Shape;
    }

    namespace AttributeProto {
        interface $Properties {
            name?: (string|null);
            f?: (number|null);
            i?: (number|Long|null);
            d?: (number|null);
            s?: (Uint8Array|null);
            t?: (mind_ir.TensorProto.$Properties|null);
            g?: (mind_ir.GraphProto.$Properties|null);
            floats?: (number[]|null);
            doubles?: (number[]|null);
            ints?: ((number|Long)[]|null);
            strings?: (Uint8Array[]|null);
            tensors?: (mind_ir.TensorProto.$Properties[]|null);
            graphs?: (mind_ir.GraphProto.$Properties[]|null);
            docString?: (string|null);
            refAttrName?: (string|null);
            type?: (mind_ir.AttributeProto.AttributeType|null);
            values?: (mind_ir.AttributeProto.$Properties[]|null);
            seqInfo?: (mind_ir.AttributeProto.SeqInfoProto.$Properties|null);
            functor?: (mind_ir.FunctorProto.$Properties|null);
            graphHolder?: (mind_ir.ScalarGraphHolderProto.$Properties|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = mind_ir.AttributeProto.$Properties;

        enum AttributeType {
            UNDEFINED = 0,
            FLOAT = 1,
            UINT8 = 2,
            INT8 = 3,
            UINT16 = 4,
            INT16 = 5,
            INT32 = 6,
            INT64 = 7,
            STRING = 8,
            BOOL = 9,
            FLOAT16 = 10,
            DOUBLE = 11,
            UINT32 = 12,
            UINT64 = 13,
            COMPLEX64 = 14,
            COMPLEX128 = 15,
            BFLOAT16 = 16,
            TENSOR = 17,
            GRAPH = 18,
            TENSORS = 19,
            TUPLE = 20,
            LIST = 21,
            DICT = 22,
            UMONAD = 23,
            IOMONAD = 24,
            NONE = 25,
            PRIMITIVECLOSURE = 26,
            FUNCGRAPHCLOSURE = 27,
            PARTIALCLOSURE = 28,
            UNIONFUNCCLOSURE = 29,
            CSR_TENSOR = 30,
            COO_TENSOR = 31,
            ROW_TENSOR = 32,
            CLASS_TYPE = 33,
            NAME_SPACE = 34,
            SYMBOL = 35,
            TYPE_NULL = 36,
            MAP_TENSOR = 37,
            FUNCTOR = 38,
            SCALAR = 39,
            SCALAR_GRAPH_HOLDER = 40
        }

        interface ISeqInfoProto extends mind_ir.AttributeProto.SeqInfoProto.$Properties {
        }

        class SeqInfoProto {
            constructor(properties?: mind_ir.AttributeProto.SeqInfoProto.$Properties);
            $unknowns?: Uint8Array[];
            isDynLen: boolean;
            tupleElemItem?: (mind_ir.AttributeProto.$Properties|null);
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): mind_ir.AttributeProto.SeqInfoProto & mind_ir.AttributeProto.SeqInfoProto.$Shape;
        }

        namespace SeqInfoProto {
            interface $Properties {
                isDynLen?: (boolean|null);
                tupleElemItem?: (mind_ir.AttributeProto.$Properties|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = mind_ir.AttributeProto.SeqInfoProto.$Properties;
        }
    }

    interface IFunctorProto extends mind_ir.FunctorProto.$Properties {
    }

    class FunctorProto {
        constructor(properties?: mind_ir.FunctorProto.$Properties);
        $unknowns?: Uint8Array[];
        type: mind_ir.FunctorProto.FunctorType;
        name: string;
        values: mind_ir.AttributeProto.$Properties[];
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): mind_ir.FunctorProto & mind_ir.FunctorProto.$Shape;
    }

    namespace FunctorProto {
        interface $Properties {
            type?: (mind_ir.FunctorProto.FunctorType|null);
            name?: (string|null);
            values?: (mind_ir.AttributeProto.$Properties[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = mind_ir.FunctorProto.$Properties;

        enum FunctorType {
            SHAPE_CALC_FUNCTOR = 1,
            ANY_FUNCTOR = 2
        }
    }

    interface IValueInfoProto extends mind_ir.ValueInfoProto.$Properties {
    }

    class ValueInfoProto {
        constructor(properties?: mind_ir.ValueInfoProto.$Properties);
        $unknowns?: Uint8Array[];
        name: string;
        tensor: mind_ir.TensorProto.$Properties[];
        docString: string;
        denotation: string;
        attrInfo?: (mind_ir.AttributeProto.$Properties|null);
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): mind_ir.ValueInfoProto & mind_ir.ValueInfoProto.$Shape;
    }

    namespace ValueInfoProto {
        interface $Properties {
            name?: (string|null);
            tensor?: (mind_ir.TensorProto.$Properties[]|null);
            docString?: (string|null);
            denotation?: (string|null);
            attrInfo?: (mind_ir.AttributeProto.$Properties|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = mind_ir.ValueInfoProto.$Properties;
    }

    interface INodeProto extends mind_ir.NodeProto.$Properties {
    }

    class NodeProto {
        constructor(properties?: mind_ir.NodeProto.$Properties);
        $unknowns?: Uint8Array[];
        input: string[];
        output: string[];
        name: string;
        opType: string;
        attribute: mind_ir.AttributeProto.$Properties[];
        docString: string;
        domain: string;
        nodeAttr: mind_ir.AttributeProto.$Properties[];
        primalAttr: mind_ir.AttributeProto.$Properties[];
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): mind_ir.NodeProto & mind_ir.NodeProto.$Shape;
    }

    namespace NodeProto {
        interface $Properties {
            input?: (string[]|null);
            output?: (string[]|null);
            name?: (string|null);
            opType?: (string|null);
            attribute?: (mind_ir.AttributeProto.$Properties[]|null);
            docString?: (string|null);
            domain?: (string|null);
            nodeAttr?: (mind_ir.AttributeProto.$Properties[]|null);
            primalAttr?: (mind_ir.AttributeProto.$Properties[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = mind_ir.NodeProto.$Properties;
    }

    interface IModelProto extends mind_ir.ModelProto.$Properties {
    }

    class ModelProto {
        constructor(properties?: mind_ir.ModelProto.$Properties);
        $unknowns?: Uint8Array[];
        irVersion: string;
        producerName: string;
        producerVersion: string;
        domain: string;
        modelVersion: string;
        docString: string;
        graph?: (mind_ir.GraphProto.$Properties|null);
        functions: mind_ir.GraphProto.$Properties[];
        preprocessor?: (mind_ir.PreprocessorProto.$Properties|null);
        littleEndian: boolean;
        parallel?: (mind_ir.ParallelProto.$Properties|null);
        primitives: mind_ir.PrimitiveProto.$Properties[];
        mindIrVersion: (number|Long);
        userInfo: string;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): mind_ir.ModelProto & mind_ir.ModelProto.$Shape;
    }

    namespace ModelProto {
        interface $Properties {
            irVersion?: (string|null);
            producerName?: (string|null);
            producerVersion?: (string|null);
            domain?: (string|null);
            modelVersion?: (string|null);
            docString?: (string|null);
            graph?: (mind_ir.GraphProto.$Properties|null);
            functions?: (mind_ir.GraphProto.$Properties[]|null);
            preprocessor?: (mind_ir.PreprocessorProto.$Properties|null);
            littleEndian?: (boolean|null);
            parallel?: (mind_ir.ParallelProto.$Properties|null);
            primitives?: (mind_ir.PrimitiveProto.$Properties[]|null);
            mindIrVersion?: (number|Long|null);
            userInfo?: (string|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = mind_ir.ModelProto.$Properties;
    }

    interface IPreprocessorProto extends mind_ir.PreprocessorProto.$Properties {
    }

    class PreprocessorProto {
        constructor(properties?: mind_ir.PreprocessorProto.$Properties);
        $unknowns?: Uint8Array[];
        op: mind_ir.PreprocessOpProto.$Properties[];
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): mind_ir.PreprocessorProto & mind_ir.PreprocessorProto.$Shape;
    }

    namespace PreprocessorProto {
        interface $Properties {
            op?: (mind_ir.PreprocessOpProto.$Properties[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = mind_ir.PreprocessorProto.$Properties;
    }

    interface IPreprocessOpProto extends mind_ir.PreprocessOpProto.$Properties {
    }

    class PreprocessOpProto {
        constructor(properties?: mind_ir.PreprocessOpProto.$Properties);
        $unknowns?: Uint8Array[];
        inputColumns: string;
        outputColumns: string;
        projectColumns: string;
        opType: string;
        operations: string;
        offload: boolean;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): mind_ir.PreprocessOpProto & mind_ir.PreprocessOpProto.$Shape;
    }

    namespace PreprocessOpProto {
        interface $Properties {
            inputColumns?: (string|null);
            outputColumns?: (string|null);
            projectColumns?: (string|null);
            opType?: (string|null);
            operations?: (string|null);
            offload?: (boolean|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = mind_ir.PreprocessOpProto.$Properties;
    }

    interface IGraphProto extends mind_ir.GraphProto.$Properties {
    }

    class GraphProto {
        constructor(properties?: mind_ir.GraphProto.$Properties);
        $unknowns?: Uint8Array[];
        node: mind_ir.NodeProto.$Properties[];
        name: string;
        parameter: mind_ir.TensorProto.$Properties[];
        docString: string;
        input: mind_ir.ValueInfoProto.$Properties[];
        output: mind_ir.ValueInfoProto.$Properties[];
        bpropHash: string;
        attribute: mind_ir.AttributeProto.$Properties[];
        bpropFilepath: string;
        mapParameter: mind_ir.MapTensorProto.$Properties[];
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): mind_ir.GraphProto & mind_ir.GraphProto.$Shape;
    }

    namespace GraphProto {
        interface $Properties {
            node?: (mind_ir.NodeProto.$Properties[]|null);
            name?: (string|null);
            parameter?: (mind_ir.TensorProto.$Properties[]|null);
            docString?: (string|null);
            input?: (mind_ir.ValueInfoProto.$Properties[]|null);
            output?: (mind_ir.ValueInfoProto.$Properties[]|null);
            bpropHash?: (string|null);
            attribute?: (mind_ir.AttributeProto.$Properties[]|null);
            bpropFilepath?: (string|null);
            mapParameter?: (mind_ir.MapTensorProto.$Properties[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = mind_ir.GraphProto.$Properties;
    }

    interface ITensorProto extends mind_ir.TensorProto.$Properties {
    }

    class TensorProto {
        constructor(properties?: mind_ir.TensorProto.$Properties);
        $unknowns?: Uint8Array[];
        dims: (number|Long)[];
        dataType: number;
        floatData: number[];
        int32Data: number[];
        stringData: Uint8Array[];
        int64Data: (number|Long)[];
        name: string;
        docString: string;
        rawData: Uint8Array;
        doubleData: number[];
        uint64Data: (number|Long)[];
        externalData?: (mind_ir.TensorProto.ExternalDataProto.$Properties|null);
        refKey: string;
        minDims: (number|Long)[];
        maxDims: (number|Long)[];
        compressionType: mind_ir.TensorProto.CompressionType;
        quantParams: mind_ir.TensorProto.QuantParamProto.$Properties[];
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): mind_ir.TensorProto & mind_ir.TensorProto.$Shape;
    }

    namespace TensorProto {
        interface $Properties {
            dims?: ((number|Long)[]|null);
            dataType?: (number|null);
            floatData?: (number[]|null);
            int32Data?: (number[]|null);
            stringData?: (Uint8Array[]|null);
            int64Data?: ((number|Long)[]|null);
            name?: (string|null);
            docString?: (string|null);
            rawData?: (Uint8Array|null);
            doubleData?: (number[]|null);
            uint64Data?: ((number|Long)[]|null);
            externalData?: (mind_ir.TensorProto.ExternalDataProto.$Properties|null);
            refKey?: (string|null);
            minDims?: ((number|Long)[]|null);
            maxDims?: ((number|Long)[]|null);
            compressionType?: (mind_ir.TensorProto.CompressionType|null);
            quantParams?: (mind_ir.TensorProto.QuantParamProto.$Properties[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = mind_ir.TensorProto.$Properties;

        enum DataType {
            UNDEFINED = 0,
            FLOAT = 1,
            UINT8 = 2,
            INT8 = 3,
            UINT16 = 4,
            INT16 = 5,
            INT32 = 6,
            INT64 = 7,
            STRING = 8,
            BOOL = 9,
            FLOAT16 = 10,
            DOUBLE = 11,
            UINT32 = 12,
            UINT64 = 13,
            COMPLEX64 = 14,
            COMPLEX128 = 15,
            BFLOAT16 = 16,
            FLOAT64 = 17,
            QINT4X2 = 18
        }

        enum CompressionType {
            NO_COMPRESSION = 0,
            INDEXING = 1,
            SPARSE = 2,
            FSE = 3,
            BIT_PACKING = 4,
            FSE_INT = 5,
            FSE_INFER = 6
        }

        interface IExternalDataProto extends mind_ir.TensorProto.ExternalDataProto.$Properties {
        }

        class ExternalDataProto {
            constructor(properties?: mind_ir.TensorProto.ExternalDataProto.$Properties);
            $unknowns?: Uint8Array[];
            location: string;
            offset: (number|Long);
            length: (number|Long);
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): mind_ir.TensorProto.ExternalDataProto & mind_ir.TensorProto.ExternalDataProto.$Shape;
        }

        namespace ExternalDataProto {
            interface $Properties {
                location?: (string|null);
                offset?: (number|Long|null);
                length?: (number|Long|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = mind_ir.TensorProto.ExternalDataProto.$Properties;
        }

        interface IQuantParamProto extends mind_ir.TensorProto.QuantParamProto.$Properties {
        }

        class QuantParamProto {
            constructor(properties?: mind_ir.TensorProto.QuantParamProto.$Properties);
            $unknowns?: Uint8Array[];
            quantAlgoName: string;
            attribute: mind_ir.AttributeProto.$Properties[];
            static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): mind_ir.TensorProto.QuantParamProto & mind_ir.TensorProto.QuantParamProto.$Shape;
        }

        namespace QuantParamProto {
            interface $Properties {
                quantAlgoName: string;
                attribute?: (mind_ir.AttributeProto.$Properties[]|null);
                $unknowns?: Uint8Array[];
            }
            type $Shape = mind_ir.TensorProto.QuantParamProto.$Properties;
        }
    }

    interface IMapTensorProto extends mind_ir.MapTensorProto.$Properties {
    }

    class MapTensorProto {
        constructor(properties?: mind_ir.MapTensorProto.$Properties);
        $unknowns?: Uint8Array[];
        name: string;
        defaultValue: mind_ir.AttributeProto.$Properties;
        keyTensor: mind_ir.TensorProto.$Properties;
        valueTensor: mind_ir.TensorProto.$Properties;
        statusTensor: mind_ir.TensorProto.$Properties;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): mind_ir.MapTensorProto & mind_ir.MapTensorProto.$Shape;
    }

    namespace MapTensorProto {
        interface $Properties {
            name: string;
            defaultValue: mind_ir.AttributeProto.$Properties;
            keyTensor: mind_ir.TensorProto.$Properties;
            valueTensor: mind_ir.TensorProto.$Properties;
            statusTensor: mind_ir.TensorProto.$Properties;
            $unknowns?: Uint8Array[];
        }
        type $Shape = mind_ir.MapTensorProto.$Properties;
    }

    interface IParallelProto extends mind_ir.ParallelProto.$Properties {
    }

    class ParallelProto {
        constructor(properties?: mind_ir.ParallelProto.$Properties);
        $unknowns?: Uint8Array[];
        layout: mind_ir.LayoutProto.$Properties[];
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): mind_ir.ParallelProto & mind_ir.ParallelProto.$Shape;
    }

    namespace ParallelProto {
        interface $Properties {
            layout?: (mind_ir.LayoutProto.$Properties[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = mind_ir.ParallelProto.$Properties;
    }

    interface ILayoutProto extends mind_ir.LayoutProto.$Properties {
    }

    class LayoutProto {
        constructor(properties?: mind_ir.LayoutProto.$Properties);
        $unknowns?: Uint8Array[];
        name: string;
        deviceArrangementInt: (number|Long)[];
        tensorMapInt: (number|Long)[];
        sliceShapeInt: (number|Long)[];
        fieldSize: (number|Long);
        uniformSplit: boolean;
        optShardGroup: string;
        pipelineShared: boolean;
        isSend: boolean;
        peerRank: (number|Long);
        srTag: (number|Long);
        optShardSliceShapeInt: (number|Long)[];
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): mind_ir.LayoutProto & mind_ir.LayoutProto.$Shape;
    }

    namespace LayoutProto {
        interface $Properties {
            name?: (string|null);
            deviceArrangementInt?: ((number|Long)[]|null);
            tensorMapInt?: ((number|Long)[]|null);
            sliceShapeInt?: ((number|Long)[]|null);
            fieldSize?: (number|Long|null);
            uniformSplit?: (boolean|null);
            optShardGroup?: (string|null);
            pipelineShared?: (boolean|null);
            isSend?: (boolean|null);
            peerRank?: (number|Long|null);
            srTag?: (number|Long|null);
            optShardSliceShapeInt?: ((number|Long)[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = mind_ir.LayoutProto.$Properties;
    }

    interface IPrimitiveProto extends mind_ir.PrimitiveProto.$Properties {
    }

    class PrimitiveProto {
        constructor(properties?: mind_ir.PrimitiveProto.$Properties);
        $unknowns?: Uint8Array[];
        name: string;
        opType: string;
        attribute: mind_ir.AttributeProto.$Properties[];
        instanceName: string;
        primType: mind_ir.PrimitiveProto.PrimType;
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): mind_ir.PrimitiveProto & mind_ir.PrimitiveProto.$Shape;
    }

    namespace PrimitiveProto {
        interface $Properties {
            name?: (string|null);
            opType?: (string|null);
            attribute?: (mind_ir.AttributeProto.$Properties[]|null);
            instanceName?: (string|null);
            primType?: (mind_ir.PrimitiveProto.PrimType|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = mind_ir.PrimitiveProto.$Properties;

        enum PrimType {
            PRIMITIVE = 1,
            PRIMITIVE_FUNCTION = 2
        }
    }

    interface IScalarNodeProto extends mind_ir.ScalarNodeProto.$Properties {
    }

    class ScalarNodeProto {
        constructor(properties?: mind_ir.ScalarNodeProto.$Properties);
        $unknowns?: Uint8Array[];
        scalarOpType: (number|Long);
        inIndex: (number|Long)[];
        value: (number|Long)[];
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): mind_ir.ScalarNodeProto & mind_ir.ScalarNodeProto.$Shape;
    }

    namespace ScalarNodeProto {
        interface $Properties {
            scalarOpType?: (number|Long|null);
            inIndex?: ((number|Long)[]|null);
            value?: ((number|Long)[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = mind_ir.ScalarNodeProto.$Properties;
    }

    interface IScalarGraphHolderProto extends mind_ir.ScalarGraphHolderProto.$Properties {
    }

    class ScalarGraphHolderProto {
        constructor(properties?: mind_ir.ScalarGraphHolderProto.$Properties);
        $unknowns?: Uint8Array[];
        scalarNode: mind_ir.ScalarNodeProto.$Properties[];
        inputShapeIndex: (number|Long)[];
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): mind_ir.ScalarGraphHolderProto & mind_ir.ScalarGraphHolderProto.$Shape;
    }

    namespace ScalarGraphHolderProto {
        interface $Properties {
            scalarNode?: (mind_ir.ScalarNodeProto.$Properties[]|null);
            inputShapeIndex?: ((number|Long)[]|null);
            $unknowns?: Uint8Array[];
        }
        type $Shape = mind_ir.ScalarGraphHolderProto.$Properties;
    }
}
