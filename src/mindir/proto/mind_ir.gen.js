/*eslint-disable block-scoped-var, id-length, no-control-regex, no-magic-numbers, no-mixed-operators, no-prototype-builtins, no-redeclare, no-shadow, no-var, sort-vars, default-case, jsdoc/require-param*/
import $protobuf from "protobufjs/minimal.js";

// Common aliases
const $Reader = $protobuf.Reader, $util = $protobuf.util;
const $Object = $util.global.Object, $undefined = $util.global.undefined, $Error = $util.global.Error, $RangeError = $util.global.RangeError;

// Exported root namespace
const $root = $protobuf.roots["mind_ir_schema"] || ($protobuf.roots["mind_ir_schema"] = {});

export const mind_ir = $root.mind_ir = (() => {

    /**
     * Namespace mind_ir.
     * @exports mind_ir
     * @namespace
     */
    const mind_ir = {};

    /**
     * Version enum.
     * @name mind_ir.Version
     * @enum {number}
     * @property {number} IR_VERSION_START=0 IR_VERSION_START value
     * @property {number} IR_VERSION=1 IR_VERSION value
     * @property {number} IR_VERSION_WITH_PRIM_FUNCTION=2 IR_VERSION_WITH_PRIM_FUNCTION value
     * @property {number} IR_VERSION_WITH_SCALAR_GRAPH_HOLDER=3 IR_VERSION_WITH_SCALAR_GRAPH_HOLDER value
     */
    mind_ir.Version = (function() {
        const valuesById = $Object.create(null), values = $Object.create(valuesById);
        values[valuesById[0] = "IR_VERSION_START"] = 0;
        values[valuesById[1] = "IR_VERSION"] = 1;
        values[valuesById[2] = "IR_VERSION_WITH_PRIM_FUNCTION"] = 2;
        values[valuesById[3] = "IR_VERSION_WITH_SCALAR_GRAPH_HOLDER"] = 3;
        return values;
    })();

    mind_ir.AttributeProto = (function() {

        /**
         * Properties of an AttributeProto.
         * @typedef {Object} mind_ir.AttributeProto.$Properties
         * @property {string|null} [name] AttributeProto name
         * @property {number|null} [f] AttributeProto f
         * @property {number|Long|null} [i] AttributeProto i
         * @property {number|null} [d] AttributeProto d
         * @property {Uint8Array|null} [s] AttributeProto s
         * @property {mind_ir.TensorProto.$Properties|null} [t] AttributeProto t
         * @property {mind_ir.GraphProto.$Properties|null} [g] AttributeProto g
         * @property {Array.<number>|null} [floats] AttributeProto floats
         * @property {Array.<number>|null} [doubles] AttributeProto doubles
         * @property {Array.<number|Long>|null} [ints] AttributeProto ints
         * @property {Array.<Uint8Array>|null} [strings] AttributeProto strings
         * @property {Array.<mind_ir.TensorProto.$Properties>|null} [tensors] AttributeProto tensors
         * @property {Array.<mind_ir.GraphProto.$Properties>|null} [graphs] AttributeProto graphs
         * @property {string|null} [docString] AttributeProto docString
         * @property {string|null} [refAttrName] AttributeProto refAttrName
         * @property {mind_ir.AttributeProto.AttributeType|null} [type] AttributeProto type
         * @property {Array.<mind_ir.AttributeProto.$Properties>|null} [values] AttributeProto values
         * @property {mind_ir.AttributeProto.SeqInfoProto.$Properties|null} [seqInfo] AttributeProto seqInfo
         * @property {mind_ir.FunctorProto.$Properties|null} [functor] AttributeProto functor
         * @property {mind_ir.ScalarGraphHolderProto.$Properties|null} [graphHolder] AttributeProto graphHolder
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of an AttributeProto.
         * @memberof mind_ir
         * @interface IAttributeProto
         * @augments mind_ir.AttributeProto.$Properties
         * @deprecated Use mind_ir.AttributeProto.$Properties instead.
         */

        /**
         * Shape of an AttributeProto.
         * @typedef {mind_ir.AttributeProto.$Properties} mind_ir.AttributeProto.$Shape
         */

        /**
         * Constructs a new AttributeProto.
         * @memberof mind_ir
         * @classdesc Represents an AttributeProto.
         * @constructor
         * @param {mind_ir.AttributeProto.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const AttributeProto = function (properties) {
            this.floats = [];
            this.doubles = [];
            this.ints = [];
            this.strings = [];
            this.tensors = [];
            this.graphs = [];
            this.values = [];
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * AttributeProto name.
         * @member {string} name
         * @memberof mind_ir.AttributeProto
         * @instance
         */
        AttributeProto.prototype.name = "";

        /**
         * AttributeProto f.
         * @member {number} f
         * @memberof mind_ir.AttributeProto
         * @instance
         */
        AttributeProto.prototype.f = 0;

        /**
         * AttributeProto i.
         * @member {number|Long} i
         * @memberof mind_ir.AttributeProto
         * @instance
         */
        AttributeProto.prototype.i = $util.Long ? $util.Long.fromBits(0,0,false) : 0;

        /**
         * AttributeProto d.
         * @member {number} d
         * @memberof mind_ir.AttributeProto
         * @instance
         */
        AttributeProto.prototype.d = 0;

        /**
         * AttributeProto s.
         * @member {Uint8Array} s
         * @memberof mind_ir.AttributeProto
         * @instance
         */
        AttributeProto.prototype.s = $util.newBuffer([]);

        /**
         * AttributeProto t.
         * @member {mind_ir.TensorProto.$Properties|null|undefined} t
         * @memberof mind_ir.AttributeProto
         * @instance
         */
        AttributeProto.prototype.t = null;

        /**
         * AttributeProto g.
         * @member {mind_ir.GraphProto.$Properties|null|undefined} g
         * @memberof mind_ir.AttributeProto
         * @instance
         */
        AttributeProto.prototype.g = null;

        /**
         * AttributeProto floats.
         * @member {Array.<number>} floats
         * @memberof mind_ir.AttributeProto
         * @instance
         */
        AttributeProto.prototype.floats = $util.emptyArray;

        /**
         * AttributeProto doubles.
         * @member {Array.<number>} doubles
         * @memberof mind_ir.AttributeProto
         * @instance
         */
        AttributeProto.prototype.doubles = $util.emptyArray;

        /**
         * AttributeProto ints.
         * @member {Array.<number|Long>} ints
         * @memberof mind_ir.AttributeProto
         * @instance
         */
        AttributeProto.prototype.ints = $util.emptyArray;

        /**
         * AttributeProto strings.
         * @member {Array.<Uint8Array>} strings
         * @memberof mind_ir.AttributeProto
         * @instance
         */
        AttributeProto.prototype.strings = $util.emptyArray;

        /**
         * AttributeProto tensors.
         * @member {Array.<mind_ir.TensorProto.$Properties>} tensors
         * @memberof mind_ir.AttributeProto
         * @instance
         */
        AttributeProto.prototype.tensors = $util.emptyArray;

        /**
         * AttributeProto graphs.
         * @member {Array.<mind_ir.GraphProto.$Properties>} graphs
         * @memberof mind_ir.AttributeProto
         * @instance
         */
        AttributeProto.prototype.graphs = $util.emptyArray;

        /**
         * AttributeProto docString.
         * @member {string} docString
         * @memberof mind_ir.AttributeProto
         * @instance
         */
        AttributeProto.prototype.docString = "";

        /**
         * AttributeProto refAttrName.
         * @member {string} refAttrName
         * @memberof mind_ir.AttributeProto
         * @instance
         */
        AttributeProto.prototype.refAttrName = "";

        /**
         * AttributeProto type.
         * @member {mind_ir.AttributeProto.AttributeType} type
         * @memberof mind_ir.AttributeProto
         * @instance
         */
        AttributeProto.prototype.type = 0;

        /**
         * AttributeProto values.
         * @member {Array.<mind_ir.AttributeProto.$Properties>} values
         * @memberof mind_ir.AttributeProto
         * @instance
         */
        AttributeProto.prototype.values = $util.emptyArray;

        /**
         * AttributeProto seqInfo.
         * @member {mind_ir.AttributeProto.SeqInfoProto.$Properties|null|undefined} seqInfo
         * @memberof mind_ir.AttributeProto
         * @instance
         */
        AttributeProto.prototype.seqInfo = null;

        /**
         * AttributeProto functor.
         * @member {mind_ir.FunctorProto.$Properties|null|undefined} functor
         * @memberof mind_ir.AttributeProto
         * @instance
         */
        AttributeProto.prototype.functor = null;

        /**
         * AttributeProto graphHolder.
         * @member {mind_ir.ScalarGraphHolderProto.$Properties|null|undefined} graphHolder
         * @memberof mind_ir.AttributeProto
         * @instance
         */
        AttributeProto.prototype.graphHolder = null;

        /**
         * Decodes an AttributeProto message from the specified reader or buffer.
         * @function decode
         * @memberof mind_ir.AttributeProto
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {mind_ir.AttributeProto & mind_ir.AttributeProto.$Shape} AttributeProto
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        AttributeProto.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            let end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.mind_ir.AttributeProto();
            while (reader.pos < end) {
                let start = reader.pos;
                let tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                let wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 2)
                            break;
                        message.name = reader.string();
                        continue;
                    }
                case 2: {
                        if (wireType !== 5)
                            break;
                        message.f = reader.float();
                        continue;
                    }
                case 3: {
                        if (wireType !== 0)
                            break;
                        message.i = reader.int64();
                        continue;
                    }
                case 4: {
                        if (wireType !== 1)
                            break;
                        message.d = reader.double();
                        continue;
                    }
                case 5: {
                        if (wireType !== 2)
                            break;
                        message.s = reader.bytes();
                        continue;
                    }
                case 6: {
                        if (wireType !== 2)
                            break;
                        message.t = $root.mind_ir.TensorProto.decode(reader, reader.size(), $undefined, _depth + 1, message.t);
                        continue;
                    }
                case 7: {
                        if (wireType !== 2)
                            break;
                        message.g = $root.mind_ir.GraphProto.decode(reader, reader.size(), $undefined, _depth + 1, message.g);
                        continue;
                    }
                case 8: {
                        if (wireType === 2) {
                            if (!(message.floats && message.floats.length))
                                message.floats = [];
                            reader.floats(message.floats);
                            continue;
                        }
                        if (wireType !== 5)
                            break;
                        if (!(message.floats && message.floats.length))
                            message.floats = [];
                        message.floats.push(reader.float());
                        continue;
                    }
                case 9: {
                        if (wireType === 2) {
                            if (!(message.doubles && message.doubles.length))
                                message.doubles = [];
                            reader.doubles(message.doubles);
                            continue;
                        }
                        if (wireType !== 1)
                            break;
                        if (!(message.doubles && message.doubles.length))
                            message.doubles = [];
                        message.doubles.push(reader.double());
                        continue;
                    }
                case 10: {
                        if (wireType === 2) {
                            if (!(message.ints && message.ints.length))
                                message.ints = [];
                            reader.int64s(message.ints);
                            continue;
                        }
                        if (wireType !== 0)
                            break;
                        if (!(message.ints && message.ints.length))
                            message.ints = [];
                        message.ints.push(reader.int64());
                        continue;
                    }
                case 11: {
                        if (wireType !== 2)
                            break;
                        if (!(message.strings && message.strings.length))
                            message.strings = [];
                        message.strings.push(reader.bytes());
                        continue;
                    }
                case 12: {
                        if (wireType !== 2)
                            break;
                        if (!(message.tensors && message.tensors.length))
                            message.tensors = [];
                        message.tensors.push($root.mind_ir.TensorProto.decode(reader, reader.size(), $undefined, _depth + 1));
                        continue;
                    }
                case 13: {
                        if (wireType !== 2)
                            break;
                        if (!(message.graphs && message.graphs.length))
                            message.graphs = [];
                        message.graphs.push($root.mind_ir.GraphProto.decode(reader, reader.size(), $undefined, _depth + 1));
                        continue;
                    }
                case 14: {
                        if (wireType !== 2)
                            break;
                        message.docString = reader.string();
                        continue;
                    }
                case 15: {
                        if (wireType !== 2)
                            break;
                        message.refAttrName = reader.string();
                        continue;
                    }
                case 16: {
                        if (wireType !== 0)
                            break;
                        value = reader.int32();
                        if ($root.mind_ir.AttributeProto.AttributeType[value] !== $undefined)
                            message.type = value;
                        else if (!reader.discardUnknown) {
                            $util.makeProp(message, "$unknowns", false);
                            (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                        }
                        continue;
                    }
                case 17: {
                        if (wireType !== 2)
                            break;
                        if (!(message.values && message.values.length))
                            message.values = [];
                        message.values.push($root.mind_ir.AttributeProto.decode(reader, reader.size(), $undefined, _depth + 1));
                        continue;
                    }
                case 18: {
                        if (wireType !== 2)
                            break;
                        message.seqInfo = $root.mind_ir.AttributeProto.SeqInfoProto.decode(reader, reader.size(), $undefined, _depth + 1, message.seqInfo);
                        continue;
                    }
                case 19: {
                        if (wireType !== 2)
                            break;
                        message.functor = $root.mind_ir.FunctorProto.decode(reader, reader.size(), $undefined, _depth + 1, message.functor);
                        continue;
                    }
                case 20: {
                        if (wireType !== 2)
                            break;
                        message.graphHolder = $root.mind_ir.ScalarGraphHolderProto.decode(reader, reader.size(), $undefined, _depth + 1, message.graphHolder);
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        /**
         * AttributeType enum.
         * @name mind_ir.AttributeProto.AttributeType
         * @enum {number}
         * @property {number} UNDEFINED=0 UNDEFINED value
         * @property {number} FLOAT=1 FLOAT value
         * @property {number} UINT8=2 UINT8 value
         * @property {number} INT8=3 INT8 value
         * @property {number} UINT16=4 UINT16 value
         * @property {number} INT16=5 INT16 value
         * @property {number} INT32=6 INT32 value
         * @property {number} INT64=7 INT64 value
         * @property {number} STRING=8 STRING value
         * @property {number} BOOL=9 BOOL value
         * @property {number} FLOAT16=10 FLOAT16 value
         * @property {number} DOUBLE=11 DOUBLE value
         * @property {number} UINT32=12 UINT32 value
         * @property {number} UINT64=13 UINT64 value
         * @property {number} COMPLEX64=14 COMPLEX64 value
         * @property {number} COMPLEX128=15 COMPLEX128 value
         * @property {number} BFLOAT16=16 BFLOAT16 value
         * @property {number} TENSOR=17 TENSOR value
         * @property {number} GRAPH=18 GRAPH value
         * @property {number} TENSORS=19 TENSORS value
         * @property {number} TUPLE=20 TUPLE value
         * @property {number} LIST=21 LIST value
         * @property {number} DICT=22 DICT value
         * @property {number} UMONAD=23 UMONAD value
         * @property {number} IOMONAD=24 IOMONAD value
         * @property {number} NONE=25 NONE value
         * @property {number} PRIMITIVECLOSURE=26 PRIMITIVECLOSURE value
         * @property {number} FUNCGRAPHCLOSURE=27 FUNCGRAPHCLOSURE value
         * @property {number} PARTIALCLOSURE=28 PARTIALCLOSURE value
         * @property {number} UNIONFUNCCLOSURE=29 UNIONFUNCCLOSURE value
         * @property {number} CSR_TENSOR=30 CSR_TENSOR value
         * @property {number} COO_TENSOR=31 COO_TENSOR value
         * @property {number} ROW_TENSOR=32 ROW_TENSOR value
         * @property {number} CLASS_TYPE=33 CLASS_TYPE value
         * @property {number} NAME_SPACE=34 NAME_SPACE value
         * @property {number} SYMBOL=35 SYMBOL value
         * @property {number} TYPE_NULL=36 TYPE_NULL value
         * @property {number} MAP_TENSOR=37 MAP_TENSOR value
         * @property {number} FUNCTOR=38 FUNCTOR value
         * @property {number} SCALAR=39 SCALAR value
         * @property {number} SCALAR_GRAPH_HOLDER=40 SCALAR_GRAPH_HOLDER value
         */
        AttributeProto.AttributeType = (function() {
            const valuesById = $Object.create(null), values = $Object.create(valuesById);
            values[valuesById[0] = "UNDEFINED"] = 0;
            values[valuesById[1] = "FLOAT"] = 1;
            values[valuesById[2] = "UINT8"] = 2;
            values[valuesById[3] = "INT8"] = 3;
            values[valuesById[4] = "UINT16"] = 4;
            values[valuesById[5] = "INT16"] = 5;
            values[valuesById[6] = "INT32"] = 6;
            values[valuesById[7] = "INT64"] = 7;
            values[valuesById[8] = "STRING"] = 8;
            values[valuesById[9] = "BOOL"] = 9;
            values[valuesById[10] = "FLOAT16"] = 10;
            values[valuesById[11] = "DOUBLE"] = 11;
            values[valuesById[12] = "UINT32"] = 12;
            values[valuesById[13] = "UINT64"] = 13;
            values[valuesById[14] = "COMPLEX64"] = 14;
            values[valuesById[15] = "COMPLEX128"] = 15;
            values[valuesById[16] = "BFLOAT16"] = 16;
            values[valuesById[17] = "TENSOR"] = 17;
            values[valuesById[18] = "GRAPH"] = 18;
            values[valuesById[19] = "TENSORS"] = 19;
            values[valuesById[20] = "TUPLE"] = 20;
            values[valuesById[21] = "LIST"] = 21;
            values[valuesById[22] = "DICT"] = 22;
            values[valuesById[23] = "UMONAD"] = 23;
            values[valuesById[24] = "IOMONAD"] = 24;
            values[valuesById[25] = "NONE"] = 25;
            values[valuesById[26] = "PRIMITIVECLOSURE"] = 26;
            values[valuesById[27] = "FUNCGRAPHCLOSURE"] = 27;
            values[valuesById[28] = "PARTIALCLOSURE"] = 28;
            values[valuesById[29] = "UNIONFUNCCLOSURE"] = 29;
            values[valuesById[30] = "CSR_TENSOR"] = 30;
            values[valuesById[31] = "COO_TENSOR"] = 31;
            values[valuesById[32] = "ROW_TENSOR"] = 32;
            values[valuesById[33] = "CLASS_TYPE"] = 33;
            values[valuesById[34] = "NAME_SPACE"] = 34;
            values[valuesById[35] = "SYMBOL"] = 35;
            values[valuesById[36] = "TYPE_NULL"] = 36;
            values[valuesById[37] = "MAP_TENSOR"] = 37;
            values[valuesById[38] = "FUNCTOR"] = 38;
            values[valuesById[39] = "SCALAR"] = 39;
            values[valuesById[40] = "SCALAR_GRAPH_HOLDER"] = 40;
            return values;
        })();

        AttributeProto.SeqInfoProto = (function() {

            /**
             * Properties of a SeqInfoProto.
             * @typedef {Object} mind_ir.AttributeProto.SeqInfoProto.$Properties
             * @property {boolean|null} [isDynLen] SeqInfoProto isDynLen
             * @property {mind_ir.AttributeProto.$Properties|null} [tupleElemItem] SeqInfoProto tupleElemItem
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a SeqInfoProto.
             * @memberof mind_ir.AttributeProto
             * @interface ISeqInfoProto
             * @augments mind_ir.AttributeProto.SeqInfoProto.$Properties
             * @deprecated Use mind_ir.AttributeProto.SeqInfoProto.$Properties instead.
             */

            /**
             * Shape of a SeqInfoProto.
             * @typedef {mind_ir.AttributeProto.SeqInfoProto.$Properties} mind_ir.AttributeProto.SeqInfoProto.$Shape
             */

            /**
             * Constructs a new SeqInfoProto.
             * @memberof mind_ir.AttributeProto
             * @classdesc Represents a SeqInfoProto.
             * @constructor
             * @param {mind_ir.AttributeProto.SeqInfoProto.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const SeqInfoProto = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * SeqInfoProto isDynLen.
             * @member {boolean} isDynLen
             * @memberof mind_ir.AttributeProto.SeqInfoProto
             * @instance
             */
            SeqInfoProto.prototype.isDynLen = false;

            /**
             * SeqInfoProto tupleElemItem.
             * @member {mind_ir.AttributeProto.$Properties|null|undefined} tupleElemItem
             * @memberof mind_ir.AttributeProto.SeqInfoProto
             * @instance
             */
            SeqInfoProto.prototype.tupleElemItem = null;

            /**
             * Decodes a SeqInfoProto message from the specified reader or buffer.
             * @function decode
             * @memberof mind_ir.AttributeProto.SeqInfoProto
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {mind_ir.AttributeProto.SeqInfoProto & mind_ir.AttributeProto.SeqInfoProto.$Shape} SeqInfoProto
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            SeqInfoProto.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.mind_ir.AttributeProto.SeqInfoProto();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 0)
                                break;
                            message.isDynLen = reader.bool();
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            message.tupleElemItem = $root.mind_ir.AttributeProto.decode(reader, reader.size(), $undefined, _depth + 1, message.tupleElemItem);
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return SeqInfoProto;
        })();

        return AttributeProto;
    })();

    mind_ir.FunctorProto = (function() {

        /**
         * Properties of a FunctorProto.
         * @typedef {Object} mind_ir.FunctorProto.$Properties
         * @property {mind_ir.FunctorProto.FunctorType|null} [type] FunctorProto type
         * @property {string|null} [name] FunctorProto name
         * @property {Array.<mind_ir.AttributeProto.$Properties>|null} [values] FunctorProto values
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a FunctorProto.
         * @memberof mind_ir
         * @interface IFunctorProto
         * @augments mind_ir.FunctorProto.$Properties
         * @deprecated Use mind_ir.FunctorProto.$Properties instead.
         */

        /**
         * Shape of a FunctorProto.
         * @typedef {mind_ir.FunctorProto.$Properties} mind_ir.FunctorProto.$Shape
         */

        /**
         * Constructs a new FunctorProto.
         * @memberof mind_ir
         * @classdesc Represents a FunctorProto.
         * @constructor
         * @param {mind_ir.FunctorProto.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const FunctorProto = function (properties) {
            this.values = [];
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * FunctorProto type.
         * @member {mind_ir.FunctorProto.FunctorType} type
         * @memberof mind_ir.FunctorProto
         * @instance
         */
        FunctorProto.prototype.type = 1;

        /**
         * FunctorProto name.
         * @member {string} name
         * @memberof mind_ir.FunctorProto
         * @instance
         */
        FunctorProto.prototype.name = "";

        /**
         * FunctorProto values.
         * @member {Array.<mind_ir.AttributeProto.$Properties>} values
         * @memberof mind_ir.FunctorProto
         * @instance
         */
        FunctorProto.prototype.values = $util.emptyArray;

        /**
         * Decodes a FunctorProto message from the specified reader or buffer.
         * @function decode
         * @memberof mind_ir.FunctorProto
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {mind_ir.FunctorProto & mind_ir.FunctorProto.$Shape} FunctorProto
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        FunctorProto.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            let end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.mind_ir.FunctorProto();
            while (reader.pos < end) {
                let start = reader.pos;
                let tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                let wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 0)
                            break;
                        value = reader.int32();
                        if ($root.mind_ir.FunctorProto.FunctorType[value] !== $undefined)
                            message.type = value;
                        else if (!reader.discardUnknown) {
                            $util.makeProp(message, "$unknowns", false);
                            (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                        }
                        continue;
                    }
                case 2: {
                        if (wireType !== 2)
                            break;
                        message.name = reader.string();
                        continue;
                    }
                case 3: {
                        if (wireType !== 2)
                            break;
                        if (!(message.values && message.values.length))
                            message.values = [];
                        message.values.push($root.mind_ir.AttributeProto.decode(reader, reader.size(), $undefined, _depth + 1));
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        /**
         * FunctorType enum.
         * @name mind_ir.FunctorProto.FunctorType
         * @enum {number}
         * @property {number} SHAPE_CALC_FUNCTOR=1 SHAPE_CALC_FUNCTOR value
         * @property {number} ANY_FUNCTOR=2 ANY_FUNCTOR value
         */
        FunctorProto.FunctorType = (function() {
            const valuesById = $Object.create(null), values = $Object.create(valuesById);
            values[valuesById[1] = "SHAPE_CALC_FUNCTOR"] = 1;
            values[valuesById[2] = "ANY_FUNCTOR"] = 2;
            return values;
        })();

        return FunctorProto;
    })();

    mind_ir.ValueInfoProto = (function() {

        /**
         * Properties of a ValueInfoProto.
         * @typedef {Object} mind_ir.ValueInfoProto.$Properties
         * @property {string|null} [name] ValueInfoProto name
         * @property {Array.<mind_ir.TensorProto.$Properties>|null} [tensor] ValueInfoProto tensor
         * @property {string|null} [docString] ValueInfoProto docString
         * @property {string|null} [denotation] ValueInfoProto denotation
         * @property {mind_ir.AttributeProto.$Properties|null} [attrInfo] ValueInfoProto attrInfo
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a ValueInfoProto.
         * @memberof mind_ir
         * @interface IValueInfoProto
         * @augments mind_ir.ValueInfoProto.$Properties
         * @deprecated Use mind_ir.ValueInfoProto.$Properties instead.
         */

        /**
         * Shape of a ValueInfoProto.
         * @typedef {mind_ir.ValueInfoProto.$Properties} mind_ir.ValueInfoProto.$Shape
         */

        /**
         * Constructs a new ValueInfoProto.
         * @memberof mind_ir
         * @classdesc Represents a ValueInfoProto.
         * @constructor
         * @param {mind_ir.ValueInfoProto.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const ValueInfoProto = function (properties) {
            this.tensor = [];
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * ValueInfoProto name.
         * @member {string} name
         * @memberof mind_ir.ValueInfoProto
         * @instance
         */
        ValueInfoProto.prototype.name = "";

        /**
         * ValueInfoProto tensor.
         * @member {Array.<mind_ir.TensorProto.$Properties>} tensor
         * @memberof mind_ir.ValueInfoProto
         * @instance
         */
        ValueInfoProto.prototype.tensor = $util.emptyArray;

        /**
         * ValueInfoProto docString.
         * @member {string} docString
         * @memberof mind_ir.ValueInfoProto
         * @instance
         */
        ValueInfoProto.prototype.docString = "";

        /**
         * ValueInfoProto denotation.
         * @member {string} denotation
         * @memberof mind_ir.ValueInfoProto
         * @instance
         */
        ValueInfoProto.prototype.denotation = "";

        /**
         * ValueInfoProto attrInfo.
         * @member {mind_ir.AttributeProto.$Properties|null|undefined} attrInfo
         * @memberof mind_ir.ValueInfoProto
         * @instance
         */
        ValueInfoProto.prototype.attrInfo = null;

        /**
         * Decodes a ValueInfoProto message from the specified reader or buffer.
         * @function decode
         * @memberof mind_ir.ValueInfoProto
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {mind_ir.ValueInfoProto & mind_ir.ValueInfoProto.$Shape} ValueInfoProto
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        ValueInfoProto.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            let end, message;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.mind_ir.ValueInfoProto();
            while (reader.pos < end) {
                let start = reader.pos;
                let tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                let wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 2)
                            break;
                        message.name = reader.string();
                        continue;
                    }
                case 2: {
                        if (wireType !== 2)
                            break;
                        if (!(message.tensor && message.tensor.length))
                            message.tensor = [];
                        message.tensor.push($root.mind_ir.TensorProto.decode(reader, reader.size(), $undefined, _depth + 1));
                        continue;
                    }
                case 3: {
                        if (wireType !== 2)
                            break;
                        message.docString = reader.string();
                        continue;
                    }
                case 4: {
                        if (wireType !== 2)
                            break;
                        message.denotation = reader.string();
                        continue;
                    }
                case 5: {
                        if (wireType !== 2)
                            break;
                        message.attrInfo = $root.mind_ir.AttributeProto.decode(reader, reader.size(), $undefined, _depth + 1, message.attrInfo);
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return ValueInfoProto;
    })();

    mind_ir.NodeProto = (function() {

        /**
         * Properties of a NodeProto.
         * @typedef {Object} mind_ir.NodeProto.$Properties
         * @property {Array.<string>|null} [input] NodeProto input
         * @property {Array.<string>|null} [output] NodeProto output
         * @property {string|null} [name] NodeProto name
         * @property {string|null} [opType] NodeProto opType
         * @property {Array.<mind_ir.AttributeProto.$Properties>|null} [attribute] NodeProto attribute
         * @property {string|null} [docString] NodeProto docString
         * @property {string|null} [domain] NodeProto domain
         * @property {Array.<mind_ir.AttributeProto.$Properties>|null} [nodeAttr] NodeProto nodeAttr
         * @property {Array.<mind_ir.AttributeProto.$Properties>|null} [primalAttr] NodeProto primalAttr
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a NodeProto.
         * @memberof mind_ir
         * @interface INodeProto
         * @augments mind_ir.NodeProto.$Properties
         * @deprecated Use mind_ir.NodeProto.$Properties instead.
         */

        /**
         * Shape of a NodeProto.
         * @typedef {mind_ir.NodeProto.$Properties} mind_ir.NodeProto.$Shape
         */

        /**
         * Constructs a new NodeProto.
         * @memberof mind_ir
         * @classdesc Represents a NodeProto.
         * @constructor
         * @param {mind_ir.NodeProto.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const NodeProto = function (properties) {
            this.input = [];
            this.output = [];
            this.attribute = [];
            this.nodeAttr = [];
            this.primalAttr = [];
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * NodeProto input.
         * @member {Array.<string>} input
         * @memberof mind_ir.NodeProto
         * @instance
         */
        NodeProto.prototype.input = $util.emptyArray;

        /**
         * NodeProto output.
         * @member {Array.<string>} output
         * @memberof mind_ir.NodeProto
         * @instance
         */
        NodeProto.prototype.output = $util.emptyArray;

        /**
         * NodeProto name.
         * @member {string} name
         * @memberof mind_ir.NodeProto
         * @instance
         */
        NodeProto.prototype.name = "";

        /**
         * NodeProto opType.
         * @member {string} opType
         * @memberof mind_ir.NodeProto
         * @instance
         */
        NodeProto.prototype.opType = "";

        /**
         * NodeProto attribute.
         * @member {Array.<mind_ir.AttributeProto.$Properties>} attribute
         * @memberof mind_ir.NodeProto
         * @instance
         */
        NodeProto.prototype.attribute = $util.emptyArray;

        /**
         * NodeProto docString.
         * @member {string} docString
         * @memberof mind_ir.NodeProto
         * @instance
         */
        NodeProto.prototype.docString = "";

        /**
         * NodeProto domain.
         * @member {string} domain
         * @memberof mind_ir.NodeProto
         * @instance
         */
        NodeProto.prototype.domain = "";

        /**
         * NodeProto nodeAttr.
         * @member {Array.<mind_ir.AttributeProto.$Properties>} nodeAttr
         * @memberof mind_ir.NodeProto
         * @instance
         */
        NodeProto.prototype.nodeAttr = $util.emptyArray;

        /**
         * NodeProto primalAttr.
         * @member {Array.<mind_ir.AttributeProto.$Properties>} primalAttr
         * @memberof mind_ir.NodeProto
         * @instance
         */
        NodeProto.prototype.primalAttr = $util.emptyArray;

        /**
         * Decodes a NodeProto message from the specified reader or buffer.
         * @function decode
         * @memberof mind_ir.NodeProto
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {mind_ir.NodeProto & mind_ir.NodeProto.$Shape} NodeProto
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        NodeProto.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            let end, message;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.mind_ir.NodeProto();
            while (reader.pos < end) {
                let start = reader.pos;
                let tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                let wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 2)
                            break;
                        if (!(message.input && message.input.length))
                            message.input = [];
                        message.input.push(reader.string());
                        continue;
                    }
                case 2: {
                        if (wireType !== 2)
                            break;
                        if (!(message.output && message.output.length))
                            message.output = [];
                        message.output.push(reader.string());
                        continue;
                    }
                case 3: {
                        if (wireType !== 2)
                            break;
                        message.name = reader.string();
                        continue;
                    }
                case 4: {
                        if (wireType !== 2)
                            break;
                        message.opType = reader.string();
                        continue;
                    }
                case 5: {
                        if (wireType !== 2)
                            break;
                        if (!(message.attribute && message.attribute.length))
                            message.attribute = [];
                        message.attribute.push($root.mind_ir.AttributeProto.decode(reader, reader.size(), $undefined, _depth + 1));
                        continue;
                    }
                case 6: {
                        if (wireType !== 2)
                            break;
                        message.docString = reader.string();
                        continue;
                    }
                case 7: {
                        if (wireType !== 2)
                            break;
                        message.domain = reader.string();
                        continue;
                    }
                case 8: {
                        if (wireType !== 2)
                            break;
                        if (!(message.nodeAttr && message.nodeAttr.length))
                            message.nodeAttr = [];
                        message.nodeAttr.push($root.mind_ir.AttributeProto.decode(reader, reader.size(), $undefined, _depth + 1));
                        continue;
                    }
                case 9: {
                        if (wireType !== 2)
                            break;
                        if (!(message.primalAttr && message.primalAttr.length))
                            message.primalAttr = [];
                        message.primalAttr.push($root.mind_ir.AttributeProto.decode(reader, reader.size(), $undefined, _depth + 1));
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return NodeProto;
    })();

    mind_ir.ModelProto = (function() {

        /**
         * Properties of a ModelProto.
         * @typedef {Object} mind_ir.ModelProto.$Properties
         * @property {string|null} [irVersion] ModelProto irVersion
         * @property {string|null} [producerName] ModelProto producerName
         * @property {string|null} [producerVersion] ModelProto producerVersion
         * @property {string|null} [domain] ModelProto domain
         * @property {string|null} [modelVersion] ModelProto modelVersion
         * @property {string|null} [docString] ModelProto docString
         * @property {mind_ir.GraphProto.$Properties|null} [graph] ModelProto graph
         * @property {Array.<mind_ir.GraphProto.$Properties>|null} [functions] ModelProto functions
         * @property {mind_ir.PreprocessorProto.$Properties|null} [preprocessor] ModelProto preprocessor
         * @property {boolean|null} [littleEndian] ModelProto littleEndian
         * @property {mind_ir.ParallelProto.$Properties|null} [parallel] ModelProto parallel
         * @property {Array.<mind_ir.PrimitiveProto.$Properties>|null} [primitives] ModelProto primitives
         * @property {number|Long|null} [mindIrVersion] ModelProto mindIrVersion
         * @property {string|null} [userInfo] ModelProto userInfo
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a ModelProto.
         * @memberof mind_ir
         * @interface IModelProto
         * @augments mind_ir.ModelProto.$Properties
         * @deprecated Use mind_ir.ModelProto.$Properties instead.
         */

        /**
         * Shape of a ModelProto.
         * @typedef {mind_ir.ModelProto.$Properties} mind_ir.ModelProto.$Shape
         */

        /**
         * Constructs a new ModelProto.
         * @memberof mind_ir
         * @classdesc Represents a ModelProto.
         * @constructor
         * @param {mind_ir.ModelProto.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const ModelProto = function (properties) {
            this.functions = [];
            this.primitives = [];
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * ModelProto irVersion.
         * @member {string} irVersion
         * @memberof mind_ir.ModelProto
         * @instance
         */
        ModelProto.prototype.irVersion = "";

        /**
         * ModelProto producerName.
         * @member {string} producerName
         * @memberof mind_ir.ModelProto
         * @instance
         */
        ModelProto.prototype.producerName = "";

        /**
         * ModelProto producerVersion.
         * @member {string} producerVersion
         * @memberof mind_ir.ModelProto
         * @instance
         */
        ModelProto.prototype.producerVersion = "";

        /**
         * ModelProto domain.
         * @member {string} domain
         * @memberof mind_ir.ModelProto
         * @instance
         */
        ModelProto.prototype.domain = "";

        /**
         * ModelProto modelVersion.
         * @member {string} modelVersion
         * @memberof mind_ir.ModelProto
         * @instance
         */
        ModelProto.prototype.modelVersion = "";

        /**
         * ModelProto docString.
         * @member {string} docString
         * @memberof mind_ir.ModelProto
         * @instance
         */
        ModelProto.prototype.docString = "";

        /**
         * ModelProto graph.
         * @member {mind_ir.GraphProto.$Properties|null|undefined} graph
         * @memberof mind_ir.ModelProto
         * @instance
         */
        ModelProto.prototype.graph = null;

        /**
         * ModelProto functions.
         * @member {Array.<mind_ir.GraphProto.$Properties>} functions
         * @memberof mind_ir.ModelProto
         * @instance
         */
        ModelProto.prototype.functions = $util.emptyArray;

        /**
         * ModelProto preprocessor.
         * @member {mind_ir.PreprocessorProto.$Properties|null|undefined} preprocessor
         * @memberof mind_ir.ModelProto
         * @instance
         */
        ModelProto.prototype.preprocessor = null;

        /**
         * ModelProto littleEndian.
         * @member {boolean} littleEndian
         * @memberof mind_ir.ModelProto
         * @instance
         */
        ModelProto.prototype.littleEndian = false;

        /**
         * ModelProto parallel.
         * @member {mind_ir.ParallelProto.$Properties|null|undefined} parallel
         * @memberof mind_ir.ModelProto
         * @instance
         */
        ModelProto.prototype.parallel = null;

        /**
         * ModelProto primitives.
         * @member {Array.<mind_ir.PrimitiveProto.$Properties>} primitives
         * @memberof mind_ir.ModelProto
         * @instance
         */
        ModelProto.prototype.primitives = $util.emptyArray;

        /**
         * ModelProto mindIrVersion.
         * @member {number|Long} mindIrVersion
         * @memberof mind_ir.ModelProto
         * @instance
         */
        ModelProto.prototype.mindIrVersion = $util.Long ? $util.Long.fromBits(0,0,false) : 0;

        /**
         * ModelProto userInfo.
         * @member {string} userInfo
         * @memberof mind_ir.ModelProto
         * @instance
         */
        ModelProto.prototype.userInfo = "";

        /**
         * Decodes a ModelProto message from the specified reader or buffer.
         * @function decode
         * @memberof mind_ir.ModelProto
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {mind_ir.ModelProto & mind_ir.ModelProto.$Shape} ModelProto
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        ModelProto.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            let end, message;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.mind_ir.ModelProto();
            while (reader.pos < end) {
                let start = reader.pos;
                let tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                let wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 2)
                            break;
                        message.irVersion = reader.string();
                        continue;
                    }
                case 2: {
                        if (wireType !== 2)
                            break;
                        message.producerName = reader.string();
                        continue;
                    }
                case 3: {
                        if (wireType !== 2)
                            break;
                        message.producerVersion = reader.string();
                        continue;
                    }
                case 4: {
                        if (wireType !== 2)
                            break;
                        message.domain = reader.string();
                        continue;
                    }
                case 5: {
                        if (wireType !== 2)
                            break;
                        message.modelVersion = reader.string();
                        continue;
                    }
                case 6: {
                        if (wireType !== 2)
                            break;
                        message.docString = reader.string();
                        continue;
                    }
                case 7: {
                        if (wireType !== 2)
                            break;
                        message.graph = $root.mind_ir.GraphProto.decode(reader, reader.size(), $undefined, _depth + 1, message.graph);
                        continue;
                    }
                case 8: {
                        if (wireType !== 2)
                            break;
                        if (!(message.functions && message.functions.length))
                            message.functions = [];
                        message.functions.push($root.mind_ir.GraphProto.decode(reader, reader.size(), $undefined, _depth + 1));
                        continue;
                    }
                case 9: {
                        if (wireType !== 2)
                            break;
                        message.preprocessor = $root.mind_ir.PreprocessorProto.decode(reader, reader.size(), $undefined, _depth + 1, message.preprocessor);
                        continue;
                    }
                case 10: {
                        if (wireType !== 0)
                            break;
                        message.littleEndian = reader.bool();
                        continue;
                    }
                case 11: {
                        if (wireType !== 2)
                            break;
                        message.parallel = $root.mind_ir.ParallelProto.decode(reader, reader.size(), $undefined, _depth + 1, message.parallel);
                        continue;
                    }
                case 12: {
                        if (wireType !== 2)
                            break;
                        if (!(message.primitives && message.primitives.length))
                            message.primitives = [];
                        message.primitives.push($root.mind_ir.PrimitiveProto.decode(reader, reader.size(), $undefined, _depth + 1));
                        continue;
                    }
                case 13: {
                        if (wireType !== 0)
                            break;
                        message.mindIrVersion = reader.int64();
                        continue;
                    }
                case 14: {
                        if (wireType !== 2)
                            break;
                        message.userInfo = reader.string();
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return ModelProto;
    })();

    mind_ir.PreprocessorProto = (function() {

        /**
         * Properties of a PreprocessorProto.
         * @typedef {Object} mind_ir.PreprocessorProto.$Properties
         * @property {Array.<mind_ir.PreprocessOpProto.$Properties>|null} [op] PreprocessorProto op
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a PreprocessorProto.
         * @memberof mind_ir
         * @interface IPreprocessorProto
         * @augments mind_ir.PreprocessorProto.$Properties
         * @deprecated Use mind_ir.PreprocessorProto.$Properties instead.
         */

        /**
         * Shape of a PreprocessorProto.
         * @typedef {mind_ir.PreprocessorProto.$Properties} mind_ir.PreprocessorProto.$Shape
         */

        /**
         * Constructs a new PreprocessorProto.
         * @memberof mind_ir
         * @classdesc Represents a PreprocessorProto.
         * @constructor
         * @param {mind_ir.PreprocessorProto.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const PreprocessorProto = function (properties) {
            this.op = [];
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * PreprocessorProto op.
         * @member {Array.<mind_ir.PreprocessOpProto.$Properties>} op
         * @memberof mind_ir.PreprocessorProto
         * @instance
         */
        PreprocessorProto.prototype.op = $util.emptyArray;

        /**
         * Decodes a PreprocessorProto message from the specified reader or buffer.
         * @function decode
         * @memberof mind_ir.PreprocessorProto
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {mind_ir.PreprocessorProto & mind_ir.PreprocessorProto.$Shape} PreprocessorProto
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        PreprocessorProto.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            let end, message;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.mind_ir.PreprocessorProto();
            while (reader.pos < end) {
                let start = reader.pos;
                let tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                let wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 2)
                            break;
                        if (!(message.op && message.op.length))
                            message.op = [];
                        message.op.push($root.mind_ir.PreprocessOpProto.decode(reader, reader.size(), $undefined, _depth + 1));
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return PreprocessorProto;
    })();

    mind_ir.PreprocessOpProto = (function() {

        /**
         * Properties of a PreprocessOpProto.
         * @typedef {Object} mind_ir.PreprocessOpProto.$Properties
         * @property {string|null} [inputColumns] PreprocessOpProto inputColumns
         * @property {string|null} [outputColumns] PreprocessOpProto outputColumns
         * @property {string|null} [projectColumns] PreprocessOpProto projectColumns
         * @property {string|null} [opType] PreprocessOpProto opType
         * @property {string|null} [operations] PreprocessOpProto operations
         * @property {boolean|null} [offload] PreprocessOpProto offload
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a PreprocessOpProto.
         * @memberof mind_ir
         * @interface IPreprocessOpProto
         * @augments mind_ir.PreprocessOpProto.$Properties
         * @deprecated Use mind_ir.PreprocessOpProto.$Properties instead.
         */

        /**
         * Shape of a PreprocessOpProto.
         * @typedef {mind_ir.PreprocessOpProto.$Properties} mind_ir.PreprocessOpProto.$Shape
         */

        /**
         * Constructs a new PreprocessOpProto.
         * @memberof mind_ir
         * @classdesc Represents a PreprocessOpProto.
         * @constructor
         * @param {mind_ir.PreprocessOpProto.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const PreprocessOpProto = function (properties) {
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * PreprocessOpProto inputColumns.
         * @member {string} inputColumns
         * @memberof mind_ir.PreprocessOpProto
         * @instance
         */
        PreprocessOpProto.prototype.inputColumns = "";

        /**
         * PreprocessOpProto outputColumns.
         * @member {string} outputColumns
         * @memberof mind_ir.PreprocessOpProto
         * @instance
         */
        PreprocessOpProto.prototype.outputColumns = "";

        /**
         * PreprocessOpProto projectColumns.
         * @member {string} projectColumns
         * @memberof mind_ir.PreprocessOpProto
         * @instance
         */
        PreprocessOpProto.prototype.projectColumns = "";

        /**
         * PreprocessOpProto opType.
         * @member {string} opType
         * @memberof mind_ir.PreprocessOpProto
         * @instance
         */
        PreprocessOpProto.prototype.opType = "";

        /**
         * PreprocessOpProto operations.
         * @member {string} operations
         * @memberof mind_ir.PreprocessOpProto
         * @instance
         */
        PreprocessOpProto.prototype.operations = "";

        /**
         * PreprocessOpProto offload.
         * @member {boolean} offload
         * @memberof mind_ir.PreprocessOpProto
         * @instance
         */
        PreprocessOpProto.prototype.offload = false;

        /**
         * Decodes a PreprocessOpProto message from the specified reader or buffer.
         * @function decode
         * @memberof mind_ir.PreprocessOpProto
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {mind_ir.PreprocessOpProto & mind_ir.PreprocessOpProto.$Shape} PreprocessOpProto
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        PreprocessOpProto.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            let end, message;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.mind_ir.PreprocessOpProto();
            while (reader.pos < end) {
                let start = reader.pos;
                let tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                let wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 2)
                            break;
                        message.inputColumns = reader.string();
                        continue;
                    }
                case 2: {
                        if (wireType !== 2)
                            break;
                        message.outputColumns = reader.string();
                        continue;
                    }
                case 3: {
                        if (wireType !== 2)
                            break;
                        message.projectColumns = reader.string();
                        continue;
                    }
                case 4: {
                        if (wireType !== 2)
                            break;
                        message.opType = reader.string();
                        continue;
                    }
                case 5: {
                        if (wireType !== 2)
                            break;
                        message.operations = reader.string();
                        continue;
                    }
                case 6: {
                        if (wireType !== 0)
                            break;
                        message.offload = reader.bool();
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return PreprocessOpProto;
    })();

    mind_ir.GraphProto = (function() {

        /**
         * Properties of a GraphProto.
         * @typedef {Object} mind_ir.GraphProto.$Properties
         * @property {Array.<mind_ir.NodeProto.$Properties>|null} [node] GraphProto node
         * @property {string|null} [name] GraphProto name
         * @property {Array.<mind_ir.TensorProto.$Properties>|null} [parameter] GraphProto parameter
         * @property {string|null} [docString] GraphProto docString
         * @property {Array.<mind_ir.ValueInfoProto.$Properties>|null} [input] GraphProto input
         * @property {Array.<mind_ir.ValueInfoProto.$Properties>|null} [output] GraphProto output
         * @property {string|null} [bpropHash] GraphProto bpropHash
         * @property {Array.<mind_ir.AttributeProto.$Properties>|null} [attribute] GraphProto attribute
         * @property {string|null} [bpropFilepath] GraphProto bpropFilepath
         * @property {Array.<mind_ir.MapTensorProto.$Properties>|null} [mapParameter] GraphProto mapParameter
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a GraphProto.
         * @memberof mind_ir
         * @interface IGraphProto
         * @augments mind_ir.GraphProto.$Properties
         * @deprecated Use mind_ir.GraphProto.$Properties instead.
         */

        /**
         * Shape of a GraphProto.
         * @typedef {mind_ir.GraphProto.$Properties} mind_ir.GraphProto.$Shape
         */

        /**
         * Constructs a new GraphProto.
         * @memberof mind_ir
         * @classdesc Represents a GraphProto.
         * @constructor
         * @param {mind_ir.GraphProto.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const GraphProto = function (properties) {
            this.node = [];
            this.parameter = [];
            this.input = [];
            this.output = [];
            this.attribute = [];
            this.mapParameter = [];
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * GraphProto node.
         * @member {Array.<mind_ir.NodeProto.$Properties>} node
         * @memberof mind_ir.GraphProto
         * @instance
         */
        GraphProto.prototype.node = $util.emptyArray;

        /**
         * GraphProto name.
         * @member {string} name
         * @memberof mind_ir.GraphProto
         * @instance
         */
        GraphProto.prototype.name = "";

        /**
         * GraphProto parameter.
         * @member {Array.<mind_ir.TensorProto.$Properties>} parameter
         * @memberof mind_ir.GraphProto
         * @instance
         */
        GraphProto.prototype.parameter = $util.emptyArray;

        /**
         * GraphProto docString.
         * @member {string} docString
         * @memberof mind_ir.GraphProto
         * @instance
         */
        GraphProto.prototype.docString = "";

        /**
         * GraphProto input.
         * @member {Array.<mind_ir.ValueInfoProto.$Properties>} input
         * @memberof mind_ir.GraphProto
         * @instance
         */
        GraphProto.prototype.input = $util.emptyArray;

        /**
         * GraphProto output.
         * @member {Array.<mind_ir.ValueInfoProto.$Properties>} output
         * @memberof mind_ir.GraphProto
         * @instance
         */
        GraphProto.prototype.output = $util.emptyArray;

        /**
         * GraphProto bpropHash.
         * @member {string} bpropHash
         * @memberof mind_ir.GraphProto
         * @instance
         */
        GraphProto.prototype.bpropHash = "";

        /**
         * GraphProto attribute.
         * @member {Array.<mind_ir.AttributeProto.$Properties>} attribute
         * @memberof mind_ir.GraphProto
         * @instance
         */
        GraphProto.prototype.attribute = $util.emptyArray;

        /**
         * GraphProto bpropFilepath.
         * @member {string} bpropFilepath
         * @memberof mind_ir.GraphProto
         * @instance
         */
        GraphProto.prototype.bpropFilepath = "";

        /**
         * GraphProto mapParameter.
         * @member {Array.<mind_ir.MapTensorProto.$Properties>} mapParameter
         * @memberof mind_ir.GraphProto
         * @instance
         */
        GraphProto.prototype.mapParameter = $util.emptyArray;

        /**
         * Decodes a GraphProto message from the specified reader or buffer.
         * @function decode
         * @memberof mind_ir.GraphProto
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {mind_ir.GraphProto & mind_ir.GraphProto.$Shape} GraphProto
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        GraphProto.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            let end, message;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.mind_ir.GraphProto();
            while (reader.pos < end) {
                let start = reader.pos;
                let tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                let wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 2)
                            break;
                        if (!(message.node && message.node.length))
                            message.node = [];
                        message.node.push($root.mind_ir.NodeProto.decode(reader, reader.size(), $undefined, _depth + 1));
                        continue;
                    }
                case 2: {
                        if (wireType !== 2)
                            break;
                        message.name = reader.string();
                        continue;
                    }
                case 3: {
                        if (wireType !== 2)
                            break;
                        if (!(message.parameter && message.parameter.length))
                            message.parameter = [];
                        message.parameter.push($root.mind_ir.TensorProto.decode(reader, reader.size(), $undefined, _depth + 1));
                        continue;
                    }
                case 4: {
                        if (wireType !== 2)
                            break;
                        message.docString = reader.string();
                        continue;
                    }
                case 5: {
                        if (wireType !== 2)
                            break;
                        if (!(message.input && message.input.length))
                            message.input = [];
                        message.input.push($root.mind_ir.ValueInfoProto.decode(reader, reader.size(), $undefined, _depth + 1));
                        continue;
                    }
                case 6: {
                        if (wireType !== 2)
                            break;
                        if (!(message.output && message.output.length))
                            message.output = [];
                        message.output.push($root.mind_ir.ValueInfoProto.decode(reader, reader.size(), $undefined, _depth + 1));
                        continue;
                    }
                case 7: {
                        if (wireType !== 2)
                            break;
                        message.bpropHash = reader.string();
                        continue;
                    }
                case 8: {
                        if (wireType !== 2)
                            break;
                        if (!(message.attribute && message.attribute.length))
                            message.attribute = [];
                        message.attribute.push($root.mind_ir.AttributeProto.decode(reader, reader.size(), $undefined, _depth + 1));
                        continue;
                    }
                case 9: {
                        if (wireType !== 2)
                            break;
                        message.bpropFilepath = reader.string();
                        continue;
                    }
                case 10: {
                        if (wireType !== 2)
                            break;
                        if (!(message.mapParameter && message.mapParameter.length))
                            message.mapParameter = [];
                        message.mapParameter.push($root.mind_ir.MapTensorProto.decode(reader, reader.size(), $undefined, _depth + 1));
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return GraphProto;
    })();

    mind_ir.TensorProto = (function() {

        /**
         * Properties of a TensorProto.
         * @typedef {Object} mind_ir.TensorProto.$Properties
         * @property {Array.<number|Long>|null} [dims] TensorProto dims
         * @property {number|null} [dataType] TensorProto dataType
         * @property {Array.<number>|null} [floatData] TensorProto floatData
         * @property {Array.<number>|null} [int32Data] TensorProto int32Data
         * @property {Array.<Uint8Array>|null} [stringData] TensorProto stringData
         * @property {Array.<number|Long>|null} [int64Data] TensorProto int64Data
         * @property {string|null} [name] TensorProto name
         * @property {string|null} [docString] TensorProto docString
         * @property {Uint8Array|null} [rawData] TensorProto rawData
         * @property {Array.<number>|null} [doubleData] TensorProto doubleData
         * @property {Array.<number|Long>|null} [uint64Data] TensorProto uint64Data
         * @property {mind_ir.TensorProto.ExternalDataProto.$Properties|null} [externalData] TensorProto externalData
         * @property {string|null} [refKey] TensorProto refKey
         * @property {Array.<number|Long>|null} [minDims] TensorProto minDims
         * @property {Array.<number|Long>|null} [maxDims] TensorProto maxDims
         * @property {mind_ir.TensorProto.CompressionType|null} [compressionType] TensorProto compressionType
         * @property {Array.<mind_ir.TensorProto.QuantParamProto.$Properties>|null} [quantParams] TensorProto quantParams
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a TensorProto.
         * @memberof mind_ir
         * @interface ITensorProto
         * @augments mind_ir.TensorProto.$Properties
         * @deprecated Use mind_ir.TensorProto.$Properties instead.
         */

        /**
         * Shape of a TensorProto.
         * @typedef {mind_ir.TensorProto.$Properties} mind_ir.TensorProto.$Shape
         */

        /**
         * Constructs a new TensorProto.
         * @memberof mind_ir
         * @classdesc Represents a TensorProto.
         * @constructor
         * @param {mind_ir.TensorProto.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const TensorProto = function (properties) {
            this.dims = [];
            this.floatData = [];
            this.int32Data = [];
            this.stringData = [];
            this.int64Data = [];
            this.doubleData = [];
            this.uint64Data = [];
            this.minDims = [];
            this.maxDims = [];
            this.quantParams = [];
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * TensorProto dims.
         * @member {Array.<number|Long>} dims
         * @memberof mind_ir.TensorProto
         * @instance
         */
        TensorProto.prototype.dims = $util.emptyArray;

        /**
         * TensorProto dataType.
         * @member {number} dataType
         * @memberof mind_ir.TensorProto
         * @instance
         */
        TensorProto.prototype.dataType = 0;

        /**
         * TensorProto floatData.
         * @member {Array.<number>} floatData
         * @memberof mind_ir.TensorProto
         * @instance
         */
        TensorProto.prototype.floatData = $util.emptyArray;

        /**
         * TensorProto int32Data.
         * @member {Array.<number>} int32Data
         * @memberof mind_ir.TensorProto
         * @instance
         */
        TensorProto.prototype.int32Data = $util.emptyArray;

        /**
         * TensorProto stringData.
         * @member {Array.<Uint8Array>} stringData
         * @memberof mind_ir.TensorProto
         * @instance
         */
        TensorProto.prototype.stringData = $util.emptyArray;

        /**
         * TensorProto int64Data.
         * @member {Array.<number|Long>} int64Data
         * @memberof mind_ir.TensorProto
         * @instance
         */
        TensorProto.prototype.int64Data = $util.emptyArray;

        /**
         * TensorProto name.
         * @member {string} name
         * @memberof mind_ir.TensorProto
         * @instance
         */
        TensorProto.prototype.name = "";

        /**
         * TensorProto docString.
         * @member {string} docString
         * @memberof mind_ir.TensorProto
         * @instance
         */
        TensorProto.prototype.docString = "";

        /**
         * TensorProto rawData.
         * @member {Uint8Array} rawData
         * @memberof mind_ir.TensorProto
         * @instance
         */
        TensorProto.prototype.rawData = $util.newBuffer([]);

        /**
         * TensorProto doubleData.
         * @member {Array.<number>} doubleData
         * @memberof mind_ir.TensorProto
         * @instance
         */
        TensorProto.prototype.doubleData = $util.emptyArray;

        /**
         * TensorProto uint64Data.
         * @member {Array.<number|Long>} uint64Data
         * @memberof mind_ir.TensorProto
         * @instance
         */
        TensorProto.prototype.uint64Data = $util.emptyArray;

        /**
         * TensorProto externalData.
         * @member {mind_ir.TensorProto.ExternalDataProto.$Properties|null|undefined} externalData
         * @memberof mind_ir.TensorProto
         * @instance
         */
        TensorProto.prototype.externalData = null;

        /**
         * TensorProto refKey.
         * @member {string} refKey
         * @memberof mind_ir.TensorProto
         * @instance
         */
        TensorProto.prototype.refKey = "";

        /**
         * TensorProto minDims.
         * @member {Array.<number|Long>} minDims
         * @memberof mind_ir.TensorProto
         * @instance
         */
        TensorProto.prototype.minDims = $util.emptyArray;

        /**
         * TensorProto maxDims.
         * @member {Array.<number|Long>} maxDims
         * @memberof mind_ir.TensorProto
         * @instance
         */
        TensorProto.prototype.maxDims = $util.emptyArray;

        /**
         * TensorProto compressionType.
         * @member {mind_ir.TensorProto.CompressionType} compressionType
         * @memberof mind_ir.TensorProto
         * @instance
         */
        TensorProto.prototype.compressionType = 0;

        /**
         * TensorProto quantParams.
         * @member {Array.<mind_ir.TensorProto.QuantParamProto.$Properties>} quantParams
         * @memberof mind_ir.TensorProto
         * @instance
         */
        TensorProto.prototype.quantParams = $util.emptyArray;

        /**
         * Decodes a TensorProto message from the specified reader or buffer.
         * @function decode
         * @memberof mind_ir.TensorProto
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {mind_ir.TensorProto & mind_ir.TensorProto.$Shape} TensorProto
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        TensorProto.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            let end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.mind_ir.TensorProto();
            while (reader.pos < end) {
                let start = reader.pos;
                let tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                let wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType === 2) {
                            if (!(message.dims && message.dims.length))
                                message.dims = [];
                            reader.int64s(message.dims);
                            continue;
                        }
                        if (wireType !== 0)
                            break;
                        if (!(message.dims && message.dims.length))
                            message.dims = [];
                        message.dims.push(reader.int64());
                        continue;
                    }
                case 2: {
                        if (wireType !== 0)
                            break;
                        message.dataType = reader.int32();
                        continue;
                    }
                case 3: {
                        if (wireType === 2) {
                            if (!(message.floatData && message.floatData.length))
                                message.floatData = [];
                            reader.floats(message.floatData);
                            continue;
                        }
                        if (wireType !== 5)
                            break;
                        if (!(message.floatData && message.floatData.length))
                            message.floatData = [];
                        message.floatData.push(reader.float());
                        continue;
                    }
                case 4: {
                        if (wireType === 2) {
                            if (!(message.int32Data && message.int32Data.length))
                                message.int32Data = [];
                            reader.int32s(message.int32Data);
                            continue;
                        }
                        if (wireType !== 0)
                            break;
                        if (!(message.int32Data && message.int32Data.length))
                            message.int32Data = [];
                        message.int32Data.push(reader.int32());
                        continue;
                    }
                case 5: {
                        if (wireType !== 2)
                            break;
                        if (!(message.stringData && message.stringData.length))
                            message.stringData = [];
                        message.stringData.push(reader.bytes());
                        continue;
                    }
                case 6: {
                        if (wireType === 2) {
                            if (!(message.int64Data && message.int64Data.length))
                                message.int64Data = [];
                            reader.int64s(message.int64Data);
                            continue;
                        }
                        if (wireType !== 0)
                            break;
                        if (!(message.int64Data && message.int64Data.length))
                            message.int64Data = [];
                        message.int64Data.push(reader.int64());
                        continue;
                    }
                case 7: {
                        if (wireType !== 2)
                            break;
                        message.name = reader.string();
                        continue;
                    }
                case 8: {
                        if (wireType !== 2)
                            break;
                        message.docString = reader.string();
                        continue;
                    }
                case 9: {
                        if (wireType !== 2)
                            break;
                        message.rawData = reader.bytes();
                        continue;
                    }
                case 10: {
                        if (wireType === 2) {
                            if (!(message.doubleData && message.doubleData.length))
                                message.doubleData = [];
                            reader.doubles(message.doubleData);
                            continue;
                        }
                        if (wireType !== 1)
                            break;
                        if (!(message.doubleData && message.doubleData.length))
                            message.doubleData = [];
                        message.doubleData.push(reader.double());
                        continue;
                    }
                case 11: {
                        if (wireType === 2) {
                            if (!(message.uint64Data && message.uint64Data.length))
                                message.uint64Data = [];
                            reader.uint64s(message.uint64Data);
                            continue;
                        }
                        if (wireType !== 0)
                            break;
                        if (!(message.uint64Data && message.uint64Data.length))
                            message.uint64Data = [];
                        message.uint64Data.push(reader.uint64());
                        continue;
                    }
                case 12: {
                        if (wireType !== 2)
                            break;
                        message.externalData = $root.mind_ir.TensorProto.ExternalDataProto.decode(reader, reader.size(), $undefined, _depth + 1, message.externalData);
                        continue;
                    }
                case 13: {
                        if (wireType !== 2)
                            break;
                        message.refKey = reader.string();
                        continue;
                    }
                case 14: {
                        if (wireType === 2) {
                            if (!(message.minDims && message.minDims.length))
                                message.minDims = [];
                            reader.int64s(message.minDims);
                            continue;
                        }
                        if (wireType !== 0)
                            break;
                        if (!(message.minDims && message.minDims.length))
                            message.minDims = [];
                        message.minDims.push(reader.int64());
                        continue;
                    }
                case 15: {
                        if (wireType === 2) {
                            if (!(message.maxDims && message.maxDims.length))
                                message.maxDims = [];
                            reader.int64s(message.maxDims);
                            continue;
                        }
                        if (wireType !== 0)
                            break;
                        if (!(message.maxDims && message.maxDims.length))
                            message.maxDims = [];
                        message.maxDims.push(reader.int64());
                        continue;
                    }
                case 16: {
                        if (wireType !== 0)
                            break;
                        value = reader.int32();
                        if ($root.mind_ir.TensorProto.CompressionType[value] !== $undefined)
                            message.compressionType = value;
                        else if (!reader.discardUnknown) {
                            $util.makeProp(message, "$unknowns", false);
                            (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                        }
                        continue;
                    }
                case 17: {
                        if (wireType !== 2)
                            break;
                        if (!(message.quantParams && message.quantParams.length))
                            message.quantParams = [];
                        message.quantParams.push($root.mind_ir.TensorProto.QuantParamProto.decode(reader, reader.size(), $undefined, _depth + 1));
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        /**
         * DataType enum.
         * @name mind_ir.TensorProto.DataType
         * @enum {number}
         * @property {number} UNDEFINED=0 UNDEFINED value
         * @property {number} FLOAT=1 FLOAT value
         * @property {number} UINT8=2 UINT8 value
         * @property {number} INT8=3 INT8 value
         * @property {number} UINT16=4 UINT16 value
         * @property {number} INT16=5 INT16 value
         * @property {number} INT32=6 INT32 value
         * @property {number} INT64=7 INT64 value
         * @property {number} STRING=8 STRING value
         * @property {number} BOOL=9 BOOL value
         * @property {number} FLOAT16=10 FLOAT16 value
         * @property {number} DOUBLE=11 DOUBLE value
         * @property {number} UINT32=12 UINT32 value
         * @property {number} UINT64=13 UINT64 value
         * @property {number} COMPLEX64=14 COMPLEX64 value
         * @property {number} COMPLEX128=15 COMPLEX128 value
         * @property {number} BFLOAT16=16 BFLOAT16 value
         * @property {number} FLOAT64=17 FLOAT64 value
         * @property {number} QINT4X2=18 QINT4X2 value
         */
        TensorProto.DataType = (function() {
            const valuesById = $Object.create(null), values = $Object.create(valuesById);
            values[valuesById[0] = "UNDEFINED"] = 0;
            values[valuesById[1] = "FLOAT"] = 1;
            values[valuesById[2] = "UINT8"] = 2;
            values[valuesById[3] = "INT8"] = 3;
            values[valuesById[4] = "UINT16"] = 4;
            values[valuesById[5] = "INT16"] = 5;
            values[valuesById[6] = "INT32"] = 6;
            values[valuesById[7] = "INT64"] = 7;
            values[valuesById[8] = "STRING"] = 8;
            values[valuesById[9] = "BOOL"] = 9;
            values[valuesById[10] = "FLOAT16"] = 10;
            values[valuesById[11] = "DOUBLE"] = 11;
            values[valuesById[12] = "UINT32"] = 12;
            values[valuesById[13] = "UINT64"] = 13;
            values[valuesById[14] = "COMPLEX64"] = 14;
            values[valuesById[15] = "COMPLEX128"] = 15;
            values[valuesById[16] = "BFLOAT16"] = 16;
            values[valuesById[17] = "FLOAT64"] = 17;
            values[valuesById[18] = "QINT4X2"] = 18;
            return values;
        })();

        /**
         * CompressionType enum.
         * @name mind_ir.TensorProto.CompressionType
         * @enum {number}
         * @property {number} NO_COMPRESSION=0 NO_COMPRESSION value
         * @property {number} INDEXING=1 INDEXING value
         * @property {number} SPARSE=2 SPARSE value
         * @property {number} FSE=3 FSE value
         * @property {number} BIT_PACKING=4 BIT_PACKING value
         * @property {number} FSE_INT=5 FSE_INT value
         * @property {number} FSE_INFER=6 FSE_INFER value
         */
        TensorProto.CompressionType = (function() {
            const valuesById = $Object.create(null), values = $Object.create(valuesById);
            values[valuesById[0] = "NO_COMPRESSION"] = 0;
            values[valuesById[1] = "INDEXING"] = 1;
            values[valuesById[2] = "SPARSE"] = 2;
            values[valuesById[3] = "FSE"] = 3;
            values[valuesById[4] = "BIT_PACKING"] = 4;
            values[valuesById[5] = "FSE_INT"] = 5;
            values[valuesById[6] = "FSE_INFER"] = 6;
            return values;
        })();

        TensorProto.ExternalDataProto = (function() {

            /**
             * Properties of an ExternalDataProto.
             * @typedef {Object} mind_ir.TensorProto.ExternalDataProto.$Properties
             * @property {string|null} [location] ExternalDataProto location
             * @property {number|Long|null} [offset] ExternalDataProto offset
             * @property {number|Long|null} [length] ExternalDataProto length
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of an ExternalDataProto.
             * @memberof mind_ir.TensorProto
             * @interface IExternalDataProto
             * @augments mind_ir.TensorProto.ExternalDataProto.$Properties
             * @deprecated Use mind_ir.TensorProto.ExternalDataProto.$Properties instead.
             */

            /**
             * Shape of an ExternalDataProto.
             * @typedef {mind_ir.TensorProto.ExternalDataProto.$Properties} mind_ir.TensorProto.ExternalDataProto.$Shape
             */

            /**
             * Constructs a new ExternalDataProto.
             * @memberof mind_ir.TensorProto
             * @classdesc Represents an ExternalDataProto.
             * @constructor
             * @param {mind_ir.TensorProto.ExternalDataProto.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const ExternalDataProto = function (properties) {
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * ExternalDataProto location.
             * @member {string} location
             * @memberof mind_ir.TensorProto.ExternalDataProto
             * @instance
             */
            ExternalDataProto.prototype.location = "";

            /**
             * ExternalDataProto offset.
             * @member {number|Long} offset
             * @memberof mind_ir.TensorProto.ExternalDataProto
             * @instance
             */
            ExternalDataProto.prototype.offset = $util.Long ? $util.Long.fromBits(0,0,false) : 0;

            /**
             * ExternalDataProto length.
             * @member {number|Long} length
             * @memberof mind_ir.TensorProto.ExternalDataProto
             * @instance
             */
            ExternalDataProto.prototype.length = $util.Long ? $util.Long.fromBits(0,0,false) : 0;

            /**
             * Decodes an ExternalDataProto message from the specified reader or buffer.
             * @function decode
             * @memberof mind_ir.TensorProto.ExternalDataProto
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {mind_ir.TensorProto.ExternalDataProto & mind_ir.TensorProto.ExternalDataProto.$Shape} ExternalDataProto
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            ExternalDataProto.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.mind_ir.TensorProto.ExternalDataProto();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            message.location = reader.string();
                            continue;
                        }
                    case 2: {
                            if (wireType !== 0)
                                break;
                            message.offset = reader.int64();
                            continue;
                        }
                    case 3: {
                            if (wireType !== 0)
                                break;
                            message.length = reader.int64();
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                return message;
            };

            return ExternalDataProto;
        })();

        TensorProto.QuantParamProto = (function() {

            /**
             * Properties of a QuantParamProto.
             * @typedef {Object} mind_ir.TensorProto.QuantParamProto.$Properties
             * @property {string} quantAlgoName QuantParamProto quantAlgoName
             * @property {Array.<mind_ir.AttributeProto.$Properties>|null} [attribute] QuantParamProto attribute
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */

            /**
             * Properties of a QuantParamProto.
             * @memberof mind_ir.TensorProto
             * @interface IQuantParamProto
             * @augments mind_ir.TensorProto.QuantParamProto.$Properties
             * @deprecated Use mind_ir.TensorProto.QuantParamProto.$Properties instead.
             */

            /**
             * Shape of a QuantParamProto.
             * @typedef {mind_ir.TensorProto.QuantParamProto.$Properties} mind_ir.TensorProto.QuantParamProto.$Shape
             */

            /**
             * Constructs a new QuantParamProto.
             * @memberof mind_ir.TensorProto
             * @classdesc Represents a QuantParamProto.
             * @constructor
             * @param {mind_ir.TensorProto.QuantParamProto.$Properties=} [properties] Properties to set
             * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
             */
            const QuantParamProto = function (properties) {
                this.attribute = [];
                if (properties)
                    for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                        if (properties[keys[i]] != null && keys[i] !== "__proto__")
                            this[keys[i]] = properties[keys[i]];
            };

            /**
             * QuantParamProto quantAlgoName.
             * @member {string} quantAlgoName
             * @memberof mind_ir.TensorProto.QuantParamProto
             * @instance
             */
            QuantParamProto.prototype.quantAlgoName = "";

            /**
             * QuantParamProto attribute.
             * @member {Array.<mind_ir.AttributeProto.$Properties>} attribute
             * @memberof mind_ir.TensorProto.QuantParamProto
             * @instance
             */
            QuantParamProto.prototype.attribute = $util.emptyArray;

            /**
             * Decodes a QuantParamProto message from the specified reader or buffer.
             * @function decode
             * @memberof mind_ir.TensorProto.QuantParamProto
             * @static
             * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
             * @param {number} [length] Message length if known beforehand
             * @returns {mind_ir.TensorProto.QuantParamProto & mind_ir.TensorProto.QuantParamProto.$Shape} QuantParamProto
             * @throws {Error} If the payload is not a reader or valid buffer
             * @throws {$protobuf.util.ProtocolError} If required fields are missing
             */
            QuantParamProto.decode = function (reader, length, _end, _depth, _target) {
                if (!(reader instanceof $Reader))
                    reader = $Reader.create(reader);
                if (_depth === $undefined)
                    _depth = 0;
                if (_depth > $Reader.recursionLimit)
                    throw $Error("max depth exceeded");
                let end, message;
                if (length === $undefined)
                    end = reader.len;
                else {
                    end = reader.pos + length;
                    if (end > reader.len)
                        throw $RangeError("index out of range");
                    length = reader.len;
                    reader.len = end;
                }
                message = _target || new $root.mind_ir.TensorProto.QuantParamProto();
                while (reader.pos < end) {
                    let start = reader.pos;
                    let tag = reader.tag();
                    if (tag === _end) {
                        _end = $undefined;
                        break;
                    }
                    let wireType = tag & 7;
                    switch (tag >>>= 3) {
                    case 1: {
                            if (wireType !== 2)
                                break;
                            message.quantAlgoName = reader.string();
                            continue;
                        }
                    case 2: {
                            if (wireType !== 2)
                                break;
                            if (!(message.attribute && message.attribute.length))
                                message.attribute = [];
                            message.attribute.push($root.mind_ir.AttributeProto.decode(reader, reader.size(), $undefined, _depth + 1));
                            continue;
                        }
                    }
                    reader.skipType(wireType, _depth, tag);
                    if (!reader.discardUnknown) {
                        $util.makeProp(message, "$unknowns", false);
                        (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                    }
                }
                if (length !== $undefined) {
                    if (reader.pos !== end)
                        throw $RangeError("index out of range");
                    reader.len = length;
                }
                if (_end !== $undefined)
                    throw $Error("missing end group");
                if (!$Object.hasOwnProperty.call(message, "quantAlgoName"))
                    throw $util.ProtocolError("missing required 'quantAlgoName'", { instance: message });
                return message;
            };

            return QuantParamProto;
        })();

        return TensorProto;
    })();

    mind_ir.MapTensorProto = (function() {

        /**
         * Properties of a MapTensorProto.
         * @typedef {Object} mind_ir.MapTensorProto.$Properties
         * @property {string} name MapTensorProto name
         * @property {mind_ir.AttributeProto.$Properties} defaultValue MapTensorProto defaultValue
         * @property {mind_ir.TensorProto.$Properties} keyTensor MapTensorProto keyTensor
         * @property {mind_ir.TensorProto.$Properties} valueTensor MapTensorProto valueTensor
         * @property {mind_ir.TensorProto.$Properties} statusTensor MapTensorProto statusTensor
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a MapTensorProto.
         * @memberof mind_ir
         * @interface IMapTensorProto
         * @augments mind_ir.MapTensorProto.$Properties
         * @deprecated Use mind_ir.MapTensorProto.$Properties instead.
         */

        /**
         * Shape of a MapTensorProto.
         * @typedef {mind_ir.MapTensorProto.$Properties} mind_ir.MapTensorProto.$Shape
         */

        /**
         * Constructs a new MapTensorProto.
         * @memberof mind_ir
         * @classdesc Represents a MapTensorProto.
         * @constructor
         * @param {mind_ir.MapTensorProto.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const MapTensorProto = function (properties) {
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * MapTensorProto name.
         * @member {string} name
         * @memberof mind_ir.MapTensorProto
         * @instance
         */
        MapTensorProto.prototype.name = "";

        /**
         * MapTensorProto defaultValue.
         * @member {mind_ir.AttributeProto.$Properties} defaultValue
         * @memberof mind_ir.MapTensorProto
         * @instance
         */
        MapTensorProto.prototype.defaultValue = null;

        /**
         * MapTensorProto keyTensor.
         * @member {mind_ir.TensorProto.$Properties} keyTensor
         * @memberof mind_ir.MapTensorProto
         * @instance
         */
        MapTensorProto.prototype.keyTensor = null;

        /**
         * MapTensorProto valueTensor.
         * @member {mind_ir.TensorProto.$Properties} valueTensor
         * @memberof mind_ir.MapTensorProto
         * @instance
         */
        MapTensorProto.prototype.valueTensor = null;

        /**
         * MapTensorProto statusTensor.
         * @member {mind_ir.TensorProto.$Properties} statusTensor
         * @memberof mind_ir.MapTensorProto
         * @instance
         */
        MapTensorProto.prototype.statusTensor = null;

        /**
         * Decodes a MapTensorProto message from the specified reader or buffer.
         * @function decode
         * @memberof mind_ir.MapTensorProto
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {mind_ir.MapTensorProto & mind_ir.MapTensorProto.$Shape} MapTensorProto
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        MapTensorProto.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            let end, message;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.mind_ir.MapTensorProto();
            while (reader.pos < end) {
                let start = reader.pos;
                let tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                let wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 2)
                            break;
                        message.name = reader.string();
                        continue;
                    }
                case 2: {
                        if (wireType !== 2)
                            break;
                        message.defaultValue = $root.mind_ir.AttributeProto.decode(reader, reader.size(), $undefined, _depth + 1, message.defaultValue);
                        continue;
                    }
                case 3: {
                        if (wireType !== 2)
                            break;
                        message.keyTensor = $root.mind_ir.TensorProto.decode(reader, reader.size(), $undefined, _depth + 1, message.keyTensor);
                        continue;
                    }
                case 4: {
                        if (wireType !== 2)
                            break;
                        message.valueTensor = $root.mind_ir.TensorProto.decode(reader, reader.size(), $undefined, _depth + 1, message.valueTensor);
                        continue;
                    }
                case 5: {
                        if (wireType !== 2)
                            break;
                        message.statusTensor = $root.mind_ir.TensorProto.decode(reader, reader.size(), $undefined, _depth + 1, message.statusTensor);
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            if (!$Object.hasOwnProperty.call(message, "name"))
                throw $util.ProtocolError("missing required 'name'", { instance: message });
            if (!$Object.hasOwnProperty.call(message, "defaultValue"))
                throw $util.ProtocolError("missing required 'defaultValue'", { instance: message });
            if (!$Object.hasOwnProperty.call(message, "keyTensor"))
                throw $util.ProtocolError("missing required 'keyTensor'", { instance: message });
            if (!$Object.hasOwnProperty.call(message, "valueTensor"))
                throw $util.ProtocolError("missing required 'valueTensor'", { instance: message });
            if (!$Object.hasOwnProperty.call(message, "statusTensor"))
                throw $util.ProtocolError("missing required 'statusTensor'", { instance: message });
            return message;
        };

        return MapTensorProto;
    })();

    mind_ir.ParallelProto = (function() {

        /**
         * Properties of a ParallelProto.
         * @typedef {Object} mind_ir.ParallelProto.$Properties
         * @property {Array.<mind_ir.LayoutProto.$Properties>|null} [layout] ParallelProto layout
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a ParallelProto.
         * @memberof mind_ir
         * @interface IParallelProto
         * @augments mind_ir.ParallelProto.$Properties
         * @deprecated Use mind_ir.ParallelProto.$Properties instead.
         */

        /**
         * Shape of a ParallelProto.
         * @typedef {mind_ir.ParallelProto.$Properties} mind_ir.ParallelProto.$Shape
         */

        /**
         * Constructs a new ParallelProto.
         * @memberof mind_ir
         * @classdesc Represents a ParallelProto.
         * @constructor
         * @param {mind_ir.ParallelProto.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const ParallelProto = function (properties) {
            this.layout = [];
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * ParallelProto layout.
         * @member {Array.<mind_ir.LayoutProto.$Properties>} layout
         * @memberof mind_ir.ParallelProto
         * @instance
         */
        ParallelProto.prototype.layout = $util.emptyArray;

        /**
         * Decodes a ParallelProto message from the specified reader or buffer.
         * @function decode
         * @memberof mind_ir.ParallelProto
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {mind_ir.ParallelProto & mind_ir.ParallelProto.$Shape} ParallelProto
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        ParallelProto.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            let end, message;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.mind_ir.ParallelProto();
            while (reader.pos < end) {
                let start = reader.pos;
                let tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                let wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 2)
                            break;
                        if (!(message.layout && message.layout.length))
                            message.layout = [];
                        message.layout.push($root.mind_ir.LayoutProto.decode(reader, reader.size(), $undefined, _depth + 1));
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return ParallelProto;
    })();

    mind_ir.LayoutProto = (function() {

        /**
         * Properties of a LayoutProto.
         * @typedef {Object} mind_ir.LayoutProto.$Properties
         * @property {string|null} [name] LayoutProto name
         * @property {Array.<number|Long>|null} [deviceArrangementInt] LayoutProto deviceArrangementInt
         * @property {Array.<number|Long>|null} [tensorMapInt] LayoutProto tensorMapInt
         * @property {Array.<number|Long>|null} [sliceShapeInt] LayoutProto sliceShapeInt
         * @property {number|Long|null} [fieldSize] LayoutProto fieldSize
         * @property {boolean|null} [uniformSplit] LayoutProto uniformSplit
         * @property {string|null} [optShardGroup] LayoutProto optShardGroup
         * @property {boolean|null} [pipelineShared] LayoutProto pipelineShared
         * @property {boolean|null} [isSend] LayoutProto isSend
         * @property {number|Long|null} [peerRank] LayoutProto peerRank
         * @property {number|Long|null} [srTag] LayoutProto srTag
         * @property {Array.<number|Long>|null} [optShardSliceShapeInt] LayoutProto optShardSliceShapeInt
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a LayoutProto.
         * @memberof mind_ir
         * @interface ILayoutProto
         * @augments mind_ir.LayoutProto.$Properties
         * @deprecated Use mind_ir.LayoutProto.$Properties instead.
         */

        /**
         * Shape of a LayoutProto.
         * @typedef {mind_ir.LayoutProto.$Properties} mind_ir.LayoutProto.$Shape
         */

        /**
         * Constructs a new LayoutProto.
         * @memberof mind_ir
         * @classdesc Represents a LayoutProto.
         * @constructor
         * @param {mind_ir.LayoutProto.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const LayoutProto = function (properties) {
            this.deviceArrangementInt = [];
            this.tensorMapInt = [];
            this.sliceShapeInt = [];
            this.optShardSliceShapeInt = [];
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * LayoutProto name.
         * @member {string} name
         * @memberof mind_ir.LayoutProto
         * @instance
         */
        LayoutProto.prototype.name = "";

        /**
         * LayoutProto deviceArrangementInt.
         * @member {Array.<number|Long>} deviceArrangementInt
         * @memberof mind_ir.LayoutProto
         * @instance
         */
        LayoutProto.prototype.deviceArrangementInt = $util.emptyArray;

        /**
         * LayoutProto tensorMapInt.
         * @member {Array.<number|Long>} tensorMapInt
         * @memberof mind_ir.LayoutProto
         * @instance
         */
        LayoutProto.prototype.tensorMapInt = $util.emptyArray;

        /**
         * LayoutProto sliceShapeInt.
         * @member {Array.<number|Long>} sliceShapeInt
         * @memberof mind_ir.LayoutProto
         * @instance
         */
        LayoutProto.prototype.sliceShapeInt = $util.emptyArray;

        /**
         * LayoutProto fieldSize.
         * @member {number|Long} fieldSize
         * @memberof mind_ir.LayoutProto
         * @instance
         */
        LayoutProto.prototype.fieldSize = $util.Long ? $util.Long.fromBits(0,0,false) : 0;

        /**
         * LayoutProto uniformSplit.
         * @member {boolean} uniformSplit
         * @memberof mind_ir.LayoutProto
         * @instance
         */
        LayoutProto.prototype.uniformSplit = false;

        /**
         * LayoutProto optShardGroup.
         * @member {string} optShardGroup
         * @memberof mind_ir.LayoutProto
         * @instance
         */
        LayoutProto.prototype.optShardGroup = "";

        /**
         * LayoutProto pipelineShared.
         * @member {boolean} pipelineShared
         * @memberof mind_ir.LayoutProto
         * @instance
         */
        LayoutProto.prototype.pipelineShared = false;

        /**
         * LayoutProto isSend.
         * @member {boolean} isSend
         * @memberof mind_ir.LayoutProto
         * @instance
         */
        LayoutProto.prototype.isSend = false;

        /**
         * LayoutProto peerRank.
         * @member {number|Long} peerRank
         * @memberof mind_ir.LayoutProto
         * @instance
         */
        LayoutProto.prototype.peerRank = $util.Long ? $util.Long.fromBits(0,0,false) : 0;

        /**
         * LayoutProto srTag.
         * @member {number|Long} srTag
         * @memberof mind_ir.LayoutProto
         * @instance
         */
        LayoutProto.prototype.srTag = $util.Long ? $util.Long.fromBits(0,0,false) : 0;

        /**
         * LayoutProto optShardSliceShapeInt.
         * @member {Array.<number|Long>} optShardSliceShapeInt
         * @memberof mind_ir.LayoutProto
         * @instance
         */
        LayoutProto.prototype.optShardSliceShapeInt = $util.emptyArray;

        /**
         * Decodes a LayoutProto message from the specified reader or buffer.
         * @function decode
         * @memberof mind_ir.LayoutProto
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {mind_ir.LayoutProto & mind_ir.LayoutProto.$Shape} LayoutProto
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        LayoutProto.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            let end, message;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.mind_ir.LayoutProto();
            while (reader.pos < end) {
                let start = reader.pos;
                let tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                let wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 2)
                            break;
                        message.name = reader.string();
                        continue;
                    }
                case 2: {
                        if (wireType === 2) {
                            if (!(message.deviceArrangementInt && message.deviceArrangementInt.length))
                                message.deviceArrangementInt = [];
                            reader.int64s(message.deviceArrangementInt);
                            continue;
                        }
                        if (wireType !== 0)
                            break;
                        if (!(message.deviceArrangementInt && message.deviceArrangementInt.length))
                            message.deviceArrangementInt = [];
                        message.deviceArrangementInt.push(reader.int64());
                        continue;
                    }
                case 3: {
                        if (wireType === 2) {
                            if (!(message.tensorMapInt && message.tensorMapInt.length))
                                message.tensorMapInt = [];
                            reader.int64s(message.tensorMapInt);
                            continue;
                        }
                        if (wireType !== 0)
                            break;
                        if (!(message.tensorMapInt && message.tensorMapInt.length))
                            message.tensorMapInt = [];
                        message.tensorMapInt.push(reader.int64());
                        continue;
                    }
                case 4: {
                        if (wireType === 2) {
                            if (!(message.sliceShapeInt && message.sliceShapeInt.length))
                                message.sliceShapeInt = [];
                            reader.int64s(message.sliceShapeInt);
                            continue;
                        }
                        if (wireType !== 0)
                            break;
                        if (!(message.sliceShapeInt && message.sliceShapeInt.length))
                            message.sliceShapeInt = [];
                        message.sliceShapeInt.push(reader.int64());
                        continue;
                    }
                case 5: {
                        if (wireType !== 0)
                            break;
                        message.fieldSize = reader.int64();
                        continue;
                    }
                case 6: {
                        if (wireType !== 0)
                            break;
                        message.uniformSplit = reader.bool();
                        continue;
                    }
                case 7: {
                        if (wireType !== 2)
                            break;
                        message.optShardGroup = reader.string();
                        continue;
                    }
                case 8: {
                        if (wireType !== 0)
                            break;
                        message.pipelineShared = reader.bool();
                        continue;
                    }
                case 9: {
                        if (wireType !== 0)
                            break;
                        message.isSend = reader.bool();
                        continue;
                    }
                case 10: {
                        if (wireType !== 0)
                            break;
                        message.peerRank = reader.int64();
                        continue;
                    }
                case 11: {
                        if (wireType !== 0)
                            break;
                        message.srTag = reader.int64();
                        continue;
                    }
                case 12: {
                        if (wireType === 2) {
                            if (!(message.optShardSliceShapeInt && message.optShardSliceShapeInt.length))
                                message.optShardSliceShapeInt = [];
                            reader.int64s(message.optShardSliceShapeInt);
                            continue;
                        }
                        if (wireType !== 0)
                            break;
                        if (!(message.optShardSliceShapeInt && message.optShardSliceShapeInt.length))
                            message.optShardSliceShapeInt = [];
                        message.optShardSliceShapeInt.push(reader.int64());
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return LayoutProto;
    })();

    mind_ir.PrimitiveProto = (function() {

        /**
         * Properties of a PrimitiveProto.
         * @typedef {Object} mind_ir.PrimitiveProto.$Properties
         * @property {string|null} [name] PrimitiveProto name
         * @property {string|null} [opType] PrimitiveProto opType
         * @property {Array.<mind_ir.AttributeProto.$Properties>|null} [attribute] PrimitiveProto attribute
         * @property {string|null} [instanceName] PrimitiveProto instanceName
         * @property {mind_ir.PrimitiveProto.PrimType|null} [primType] PrimitiveProto primType
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a PrimitiveProto.
         * @memberof mind_ir
         * @interface IPrimitiveProto
         * @augments mind_ir.PrimitiveProto.$Properties
         * @deprecated Use mind_ir.PrimitiveProto.$Properties instead.
         */

        /**
         * Shape of a PrimitiveProto.
         * @typedef {mind_ir.PrimitiveProto.$Properties} mind_ir.PrimitiveProto.$Shape
         */

        /**
         * Constructs a new PrimitiveProto.
         * @memberof mind_ir
         * @classdesc Represents a PrimitiveProto.
         * @constructor
         * @param {mind_ir.PrimitiveProto.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const PrimitiveProto = function (properties) {
            this.attribute = [];
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * PrimitiveProto name.
         * @member {string} name
         * @memberof mind_ir.PrimitiveProto
         * @instance
         */
        PrimitiveProto.prototype.name = "";

        /**
         * PrimitiveProto opType.
         * @member {string} opType
         * @memberof mind_ir.PrimitiveProto
         * @instance
         */
        PrimitiveProto.prototype.opType = "";

        /**
         * PrimitiveProto attribute.
         * @member {Array.<mind_ir.AttributeProto.$Properties>} attribute
         * @memberof mind_ir.PrimitiveProto
         * @instance
         */
        PrimitiveProto.prototype.attribute = $util.emptyArray;

        /**
         * PrimitiveProto instanceName.
         * @member {string} instanceName
         * @memberof mind_ir.PrimitiveProto
         * @instance
         */
        PrimitiveProto.prototype.instanceName = "";

        /**
         * PrimitiveProto primType.
         * @member {mind_ir.PrimitiveProto.PrimType} primType
         * @memberof mind_ir.PrimitiveProto
         * @instance
         */
        PrimitiveProto.prototype.primType = 1;

        /**
         * Decodes a PrimitiveProto message from the specified reader or buffer.
         * @function decode
         * @memberof mind_ir.PrimitiveProto
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {mind_ir.PrimitiveProto & mind_ir.PrimitiveProto.$Shape} PrimitiveProto
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        PrimitiveProto.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            let end, message, value;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.mind_ir.PrimitiveProto();
            while (reader.pos < end) {
                let start = reader.pos;
                let tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                let wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 2)
                            break;
                        message.name = reader.string();
                        continue;
                    }
                case 2: {
                        if (wireType !== 2)
                            break;
                        message.opType = reader.string();
                        continue;
                    }
                case 3: {
                        if (wireType !== 2)
                            break;
                        if (!(message.attribute && message.attribute.length))
                            message.attribute = [];
                        message.attribute.push($root.mind_ir.AttributeProto.decode(reader, reader.size(), $undefined, _depth + 1));
                        continue;
                    }
                case 4: {
                        if (wireType !== 2)
                            break;
                        message.instanceName = reader.string();
                        continue;
                    }
                case 5: {
                        if (wireType !== 0)
                            break;
                        value = reader.int32();
                        if ($root.mind_ir.PrimitiveProto.PrimType[value] !== $undefined)
                            message.primType = value;
                        else if (!reader.discardUnknown) {
                            $util.makeProp(message, "$unknowns", false);
                            (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                        }
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        /**
         * PrimType enum.
         * @name mind_ir.PrimitiveProto.PrimType
         * @enum {number}
         * @property {number} PRIMITIVE=1 PRIMITIVE value
         * @property {number} PRIMITIVE_FUNCTION=2 PRIMITIVE_FUNCTION value
         */
        PrimitiveProto.PrimType = (function() {
            const valuesById = $Object.create(null), values = $Object.create(valuesById);
            values[valuesById[1] = "PRIMITIVE"] = 1;
            values[valuesById[2] = "PRIMITIVE_FUNCTION"] = 2;
            return values;
        })();

        return PrimitiveProto;
    })();

    mind_ir.ScalarNodeProto = (function() {

        /**
         * Properties of a ScalarNodeProto.
         * @typedef {Object} mind_ir.ScalarNodeProto.$Properties
         * @property {number|Long|null} [scalarOpType] ScalarNodeProto scalarOpType
         * @property {Array.<number|Long>|null} [inIndex] ScalarNodeProto inIndex
         * @property {Array.<number|Long>|null} [value] ScalarNodeProto value
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a ScalarNodeProto.
         * @memberof mind_ir
         * @interface IScalarNodeProto
         * @augments mind_ir.ScalarNodeProto.$Properties
         * @deprecated Use mind_ir.ScalarNodeProto.$Properties instead.
         */

        /**
         * Shape of a ScalarNodeProto.
         * @typedef {mind_ir.ScalarNodeProto.$Properties} mind_ir.ScalarNodeProto.$Shape
         */

        /**
         * Constructs a new ScalarNodeProto.
         * @memberof mind_ir
         * @classdesc Represents a ScalarNodeProto.
         * @constructor
         * @param {mind_ir.ScalarNodeProto.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const ScalarNodeProto = function (properties) {
            this.inIndex = [];
            this.value = [];
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * ScalarNodeProto scalarOpType.
         * @member {number|Long} scalarOpType
         * @memberof mind_ir.ScalarNodeProto
         * @instance
         */
        ScalarNodeProto.prototype.scalarOpType = $util.Long ? $util.Long.fromBits(0,0,false) : 0;

        /**
         * ScalarNodeProto inIndex.
         * @member {Array.<number|Long>} inIndex
         * @memberof mind_ir.ScalarNodeProto
         * @instance
         */
        ScalarNodeProto.prototype.inIndex = $util.emptyArray;

        /**
         * ScalarNodeProto value.
         * @member {Array.<number|Long>} value
         * @memberof mind_ir.ScalarNodeProto
         * @instance
         */
        ScalarNodeProto.prototype.value = $util.emptyArray;

        /**
         * Decodes a ScalarNodeProto message from the specified reader or buffer.
         * @function decode
         * @memberof mind_ir.ScalarNodeProto
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {mind_ir.ScalarNodeProto & mind_ir.ScalarNodeProto.$Shape} ScalarNodeProto
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        ScalarNodeProto.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            let end, message;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.mind_ir.ScalarNodeProto();
            while (reader.pos < end) {
                let start = reader.pos;
                let tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                let wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 0)
                            break;
                        message.scalarOpType = reader.int64();
                        continue;
                    }
                case 2: {
                        if (wireType === 2) {
                            if (!(message.inIndex && message.inIndex.length))
                                message.inIndex = [];
                            reader.int64s(message.inIndex);
                            continue;
                        }
                        if (wireType !== 0)
                            break;
                        if (!(message.inIndex && message.inIndex.length))
                            message.inIndex = [];
                        message.inIndex.push(reader.int64());
                        continue;
                    }
                case 3: {
                        if (wireType === 2) {
                            if (!(message.value && message.value.length))
                                message.value = [];
                            reader.int64s(message.value);
                            continue;
                        }
                        if (wireType !== 0)
                            break;
                        if (!(message.value && message.value.length))
                            message.value = [];
                        message.value.push(reader.int64());
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return ScalarNodeProto;
    })();

    mind_ir.ScalarGraphHolderProto = (function() {

        /**
         * Properties of a ScalarGraphHolderProto.
         * @typedef {Object} mind_ir.ScalarGraphHolderProto.$Properties
         * @property {Array.<mind_ir.ScalarNodeProto.$Properties>|null} [scalarNode] ScalarGraphHolderProto scalarNode
         * @property {Array.<number|Long>|null} [inputShapeIndex] ScalarGraphHolderProto inputShapeIndex
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a ScalarGraphHolderProto.
         * @memberof mind_ir
         * @interface IScalarGraphHolderProto
         * @augments mind_ir.ScalarGraphHolderProto.$Properties
         * @deprecated Use mind_ir.ScalarGraphHolderProto.$Properties instead.
         */

        /**
         * Shape of a ScalarGraphHolderProto.
         * @typedef {mind_ir.ScalarGraphHolderProto.$Properties} mind_ir.ScalarGraphHolderProto.$Shape
         */

        /**
         * Constructs a new ScalarGraphHolderProto.
         * @memberof mind_ir
         * @classdesc Represents a ScalarGraphHolderProto.
         * @constructor
         * @param {mind_ir.ScalarGraphHolderProto.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const ScalarGraphHolderProto = function (properties) {
            this.scalarNode = [];
            this.inputShapeIndex = [];
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * ScalarGraphHolderProto scalarNode.
         * @member {Array.<mind_ir.ScalarNodeProto.$Properties>} scalarNode
         * @memberof mind_ir.ScalarGraphHolderProto
         * @instance
         */
        ScalarGraphHolderProto.prototype.scalarNode = $util.emptyArray;

        /**
         * ScalarGraphHolderProto inputShapeIndex.
         * @member {Array.<number|Long>} inputShapeIndex
         * @memberof mind_ir.ScalarGraphHolderProto
         * @instance
         */
        ScalarGraphHolderProto.prototype.inputShapeIndex = $util.emptyArray;

        /**
         * Decodes a ScalarGraphHolderProto message from the specified reader or buffer.
         * @function decode
         * @memberof mind_ir.ScalarGraphHolderProto
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {mind_ir.ScalarGraphHolderProto & mind_ir.ScalarGraphHolderProto.$Shape} ScalarGraphHolderProto
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        ScalarGraphHolderProto.decode = function (reader, length, _end, _depth, _target) {
            if (!(reader instanceof $Reader))
                reader = $Reader.create(reader);
            if (_depth === $undefined)
                _depth = 0;
            if (_depth > $Reader.recursionLimit)
                throw $Error("max depth exceeded");
            let end, message;
            if (length === $undefined)
                end = reader.len;
            else {
                end = reader.pos + length;
                if (end > reader.len)
                    throw $RangeError("index out of range");
                length = reader.len;
                reader.len = end;
            }
            message = _target || new $root.mind_ir.ScalarGraphHolderProto();
            while (reader.pos < end) {
                let start = reader.pos;
                let tag = reader.tag();
                if (tag === _end) {
                    _end = $undefined;
                    break;
                }
                let wireType = tag & 7;
                switch (tag >>>= 3) {
                case 1: {
                        if (wireType !== 2)
                            break;
                        if (!(message.scalarNode && message.scalarNode.length))
                            message.scalarNode = [];
                        message.scalarNode.push($root.mind_ir.ScalarNodeProto.decode(reader, reader.size(), $undefined, _depth + 1));
                        continue;
                    }
                case 2: {
                        if (wireType === 2) {
                            if (!(message.inputShapeIndex && message.inputShapeIndex.length))
                                message.inputShapeIndex = [];
                            reader.uint64s(message.inputShapeIndex);
                            continue;
                        }
                        if (wireType !== 0)
                            break;
                        if (!(message.inputShapeIndex && message.inputShapeIndex.length))
                            message.inputShapeIndex = [];
                        message.inputShapeIndex.push(reader.uint64());
                        continue;
                    }
                }
                reader.skipType(wireType, _depth, tag);
                if (!reader.discardUnknown) {
                    $util.makeProp(message, "$unknowns", false);
                    (message.$unknowns || (message.$unknowns = [])).push(reader.raw(start, reader.pos));
                }
            }
            if (length !== $undefined) {
                if (reader.pos !== end)
                    throw $RangeError("index out of range");
                reader.len = length;
            }
            if (_end !== $undefined)
                throw $Error("missing end group");
            return message;
        };

        return ScalarGraphHolderProto;
    })();

    return mind_ir;
})();

export {
  $root as default
};
