import * as $protobuf from "protobufjs";
import Long = require("long");

export interface ICheckpoint extends Checkpoint.$Properties {
}

export class Checkpoint {
    constructor(properties?: Checkpoint.$Properties);
    $unknowns?: Uint8Array[];
    value: Checkpoint.Value.$Properties[];
    static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): Checkpoint & Checkpoint.$Shape;
}

export namespace Checkpoint {
    interface $Properties {
        value?: (Checkpoint.Value.$Properties[]|null);
        $unknowns?: Uint8Array[];
    }
    type $Shape = {
      value?: Checkpoint.Value.$Shape[]|null;
      $unknowns?: Uint8Array[];
    };

    interface IValue extends Checkpoint.Value.$Properties {
    }

    class Value {
        constructor(properties?: Checkpoint.Value.$Properties);
        $unknowns?: Uint8Array[];
        tag: string;
        tensor?: (TensorProto.$Properties|null);
        maptensor?: (MapTensorProto.$Properties|null);
        value?: ("tensor"|"maptensor");
        static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): Checkpoint.Value & Checkpoint.Value.$Shape;
    }

    namespace Value {
        interface $Properties {
            tag: string;
            tensor?: (TensorProto.$Properties|null);
            maptensor?: (MapTensorProto.$Properties|null);
            value?: ("tensor"|"maptensor");
            $unknowns?: Uint8Array[];
        }
        type $Shape = {
          tag: string;
          tensor?: TensorProto.$Shape|null;
          maptensor?: MapTensorProto.$Shape|null;
          $unknowns?: Uint8Array[];
        } & (
          ({ value?: undefined; tensor?: null; maptensor?: null }|{ value?: "tensor"; tensor: TensorProto.$Shape; maptensor?: null }|{ value?: "maptensor"; tensor?: null; maptensor: MapTensorProto.$Shape })
        );
    }
}

export interface ITensorProto extends TensorProto.$Properties {
}

export class TensorProto {
    constructor(properties?: TensorProto.$Properties);
    $unknowns?: Uint8Array[];
    dims: (number|Long)[];
    tensorType: string;
    tensorContent: Uint8Array;
    static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): TensorProto & TensorProto.$Shape;
}

export namespace TensorProto {
    interface $Properties {
        dims?: ((number|Long)[]|null);
        tensorType: string;
        tensorContent: Uint8Array;
        $unknowns?: Uint8Array[];
    }
    type $Shape = TensorProto.$Properties;
}

export interface IMapTensorProto extends MapTensorProto.$Properties {
}

export class MapTensorProto {
    constructor(properties?: MapTensorProto.$Properties);
    $unknowns?: Uint8Array[];
    tensor: TensorProto.$Properties[];
    static decode(reader: ($protobuf.Reader|Uint8Array), length?: number): MapTensorProto & MapTensorProto.$Shape;
}

export namespace MapTensorProto {
    interface $Properties {
        tensor?: (TensorProto.$Properties[]|null);
        $unknowns?: Uint8Array[];
    }
    type $Shape = MapTensorProto.$Properties;
}
