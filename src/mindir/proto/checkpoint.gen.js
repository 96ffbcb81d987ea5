/*eslint-disable block-scoped-var, id-length, no-control-regex, no-magic-numbers, no-mixed-operators, no-prototype-builtins, no-redeclare, no-shadow, no-var, sort-vars, default-case, jsdoc/require-param*/
import $protobuf from "protobufjs/minimal.js";

// Common aliases
const $Reader = $protobuf.Reader, $util = $protobuf.util;
const $Object = $util.global.Object, $undefined = $util.global.undefined, $Error = $util.global.Error, $RangeError = $util.global.RangeError;

// Exported root namespace
const $root = $protobuf.roots["checkpoint_schema"] || ($protobuf.roots["checkpoint_schema"] = {});

export const Checkpoint = $root.Checkpoint = (() => {

    /**
     * Properties of a Checkpoint.
     * @typedef {Object} Checkpoint.$Properties
     * @property {Array.<Checkpoint.Value.$Properties>|null} [value] Checkpoint value
     * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
     */

    /**
     * Properties of a Checkpoint.
     * @exports ICheckpoint
     * @interface ICheckpoint
     * @augments Checkpoint.$Properties
     * @deprecated Use Checkpoint.$Properties instead.
     */

    /**
     * Shape of a Checkpoint.
     * @typedef {{
     *   value?: Array.<Checkpoint.Value.$Shape>|null;
     *   $unknowns?: Array.<Uint8Array>;
     * }} Checkpoint.$Shape
     */

    /**
     * Constructs a new Checkpoint.
     * @exports Checkpoint
     * @classdesc Represents a Checkpoint.
     * @constructor
     * @param {Checkpoint.$Properties=} [properties] Properties to set
     * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
     */
    const Checkpoint = function (properties) {
        this.value = [];
        if (properties)
            for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                if (properties[keys[i]] != null && keys[i] !== "__proto__")
                    this[keys[i]] = properties[keys[i]];
    };

    /**
     * Checkpoint value.
     * @member {Array.<Checkpoint.Value.$Properties>} value
     * @memberof Checkpoint
     * @instance
     */
    Checkpoint.prototype.value = $util.emptyArray;

    /**
     * Decodes a Checkpoint message from the specified reader or buffer.
     * @function decode
     * @memberof Checkpoint
     * @static
     * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
     * @param {number} [length] Message length if known beforehand
     * @returns {Checkpoint & Checkpoint.$Shape} Checkpoint
     * @throws {Error} If the payload is not a reader or valid buffer
     * @throws {$protobuf.util.ProtocolError} If required fields are missing
     */
    Checkpoint.decode = function (reader, length, _end, _depth, _target) {
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
        message = _target || new $root.Checkpoint();
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
                    if (!(message.value && message.value.length))
                        message.value = [];
                    message.value.push($root.Checkpoint.Value.decode(reader, reader.size(), $undefined, _depth + 1));
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

    Checkpoint.Value = (function() {

        /**
         * Properties of a Value.
         * @typedef {Object} Checkpoint.Value.$Properties
         * @property {string} tag Value tag
         * @property {TensorProto.$Properties|null} [tensor] Value tensor
         * @property {MapTensorProto.$Properties|null} [maptensor] Value maptensor
         * @property {"tensor"|"maptensor"} [value] Value value
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */

        /**
         * Properties of a Value.
         * @memberof Checkpoint
         * @interface IValue
         * @augments Checkpoint.Value.$Properties
         * @deprecated Use Checkpoint.Value.$Properties instead.
         */

        /**
         * Narrowed shape of a Value.
         * @typedef {{
         *   tag: string;
         *   tensor?: TensorProto.$Shape|null;
         *   maptensor?: MapTensorProto.$Shape|null;
         *   $unknowns?: Array.<Uint8Array>;
         * } & (
         *   ({ value?: undefined; tensor?: null; maptensor?: null }|{ value?: "tensor"; tensor: TensorProto.$Shape; maptensor?: null }|{ value?: "maptensor"; tensor?: null; maptensor: MapTensorProto.$Shape })
         * )} Checkpoint.Value.$Shape
         */

        /**
         * Constructs a new Value.
         * @memberof Checkpoint
         * @classdesc Represents a Value.
         * @constructor
         * @param {Checkpoint.Value.$Properties=} [properties] Properties to set
         * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
         */
        const Value = function (properties) {
            if (properties)
                for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                    if (properties[keys[i]] != null && keys[i] !== "__proto__")
                        this[keys[i]] = properties[keys[i]];
        };

        /**
         * Value tag.
         * @member {string} tag
         * @memberof Checkpoint.Value
         * @instance
         */
        Value.prototype.tag = "";

        /**
         * Value tensor.
         * @member {TensorProto.$Properties|null|undefined} tensor
         * @memberof Checkpoint.Value
         * @instance
         */
        Value.prototype.tensor = null;

        /**
         * Value maptensor.
         * @member {MapTensorProto.$Properties|null|undefined} maptensor
         * @memberof Checkpoint.Value
         * @instance
         */
        Value.prototype.maptensor = null;

        // OneOf field names bound to virtual getters and setters
        let $oneOfFields;

        /**
         * Value value.
         * @member {"tensor"|"maptensor"|undefined} value
         * @memberof Checkpoint.Value
         * @instance
         */
        $Object.defineProperty(Value.prototype, "value", {
            get: $util.oneOfGetter($oneOfFields = ["tensor", "maptensor"]),
            set: $util.oneOfSetter($oneOfFields)
        });

        /**
         * Decodes a Value message from the specified reader or buffer.
         * @function decode
         * @memberof Checkpoint.Value
         * @static
         * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
         * @param {number} [length] Message length if known beforehand
         * @returns {Checkpoint.Value & Checkpoint.Value.$Shape} Value
         * @throws {Error} If the payload is not a reader or valid buffer
         * @throws {$protobuf.util.ProtocolError} If required fields are missing
         */
        Value.decode = function (reader, length, _end, _depth, _target) {
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
            message = _target || new $root.Checkpoint.Value();
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
                        message.tag = reader.string();
                        continue;
                    }
                case 2: {
                        if (wireType !== 2)
                            break;
                        message.tensor = $root.TensorProto.decode(reader, reader.size(), $undefined, _depth + 1, message.tensor);
                        message.value = "tensor";
                        continue;
                    }
                case 3: {
                        if (wireType !== 2)
                            break;
                        message.maptensor = $root.MapTensorProto.decode(reader, reader.size(), $undefined, _depth + 1, message.maptensor);
                        message.value = "maptensor";
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
            if (!$Object.hasOwnProperty.call(message, "tag"))
                throw $util.ProtocolError("missing required 'tag'", { instance: message });
            return message;
        };

        return Value;
    })();

    return Checkpoint;
})();

export const TensorProto = $root.TensorProto = (() => {

    /**
     * Properties of a TensorProto.
     * @typedef {Object} TensorProto.$Properties
     * @property {Array.<number|Long>|null} [dims] TensorProto dims
     * @property {string} tensorType TensorProto tensorType
     * @property {Uint8Array} tensorContent TensorProto tensorContent
     * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
     */

    /**
     * Properties of a TensorProto.
     * @exports ITensorProto
     * @interface ITensorProto
     * @augments TensorProto.$Properties
     * @deprecated Use TensorProto.$Properties instead.
     */

    /**
     * Shape of a TensorProto.
     * @typedef {TensorProto.$Properties} TensorProto.$Shape
     */

    /**
     * Constructs a new TensorProto.
     * @exports TensorProto
     * @classdesc Represents a TensorProto.
     * @constructor
     * @param {TensorProto.$Properties=} [properties] Properties to set
     * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
     */
    const TensorProto = function (properties) {
        this.dims = [];
        if (properties)
            for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                if (properties[keys[i]] != null && keys[i] !== "__proto__")
                    this[keys[i]] = properties[keys[i]];
    };

    /**
     * TensorProto dims.
     * @member {Array.<number|Long>} dims
     * @memberof TensorProto
     * @instance
     */
    TensorProto.prototype.dims = $util.emptyArray;

    /**
     * TensorProto tensorType.
     * @member {string} tensorType
     * @memberof TensorProto
     * @instance
     */
    TensorProto.prototype.tensorType = "";

    /**
     * TensorProto tensorContent.
     * @member {Uint8Array} tensorContent
     * @memberof TensorProto
     * @instance
     */
    TensorProto.prototype.tensorContent = $util.newBuffer([]);

    /**
     * Decodes a TensorProto message from the specified reader or buffer.
     * @function decode
     * @memberof TensorProto
     * @static
     * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
     * @param {number} [length] Message length if known beforehand
     * @returns {TensorProto & TensorProto.$Shape} TensorProto
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
        message = _target || new $root.TensorProto();
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
                    if (wireType !== 2)
                        break;
                    message.tensorType = reader.string();
                    continue;
                }
            case 3: {
                    if (wireType !== 2)
                        break;
                    message.tensorContent = reader.bytes();
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
        if (!$Object.hasOwnProperty.call(message, "tensorType"))
            throw $util.ProtocolError("missing required 'tensorType'", { instance: message });
        if (!$Object.hasOwnProperty.call(message, "tensorContent"))
            throw $util.ProtocolError("missing required 'tensorContent'", { instance: message });
        return message;
    };

    return TensorProto;
})();

export const MapTensorProto = $root.MapTensorProto = (() => {

    /**
     * Properties of a MapTensorProto.
     * @typedef {Object} MapTensorProto.$Properties
     * @property {Array.<TensorProto.$Properties>|null} [tensor] MapTensorProto tensor
     * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
     */

    /**
     * Properties of a MapTensorProto.
     * @exports IMapTensorProto
     * @interface IMapTensorProto
     * @augments MapTensorProto.$Properties
     * @deprecated Use MapTensorProto.$Properties instead.
     */

    /**
     * Shape of a MapTensorProto.
     * @typedef {MapTensorProto.$Properties} MapTensorProto.$Shape
     */

    /**
     * Constructs a new MapTensorProto.
     * @exports MapTensorProto
     * @classdesc Represents a MapTensorProto.
     * @constructor
     * @param {MapTensorProto.$Properties=} [properties] Properties to set
     * @property {Array.<Uint8Array>} [$unknowns] Unknown fields preserved while decoding when enabled
     */
    const MapTensorProto = function (properties) {
        this.tensor = [];
        if (properties)
            for (let keys = $Object.keys(properties), i = 0; i < keys.length; ++i)
                if (properties[keys[i]] != null && keys[i] !== "__proto__")
                    this[keys[i]] = properties[keys[i]];
    };

    /**
     * MapTensorProto tensor.
     * @member {Array.<TensorProto.$Properties>} tensor
     * @memberof MapTensorProto
     * @instance
     */
    MapTensorProto.prototype.tensor = $util.emptyArray;

    /**
     * Decodes a MapTensorProto message from the specified reader or buffer.
     * @function decode
     * @memberof MapTensorProto
     * @static
     * @param {$protobuf.Reader|Uint8Array} reader Reader or buffer to decode from
     * @param {number} [length] Message length if known beforehand
     * @returns {MapTensorProto & MapTensorProto.$Shape} MapTensorProto
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
        message = _target || new $root.MapTensorProto();
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
                    if (!(message.tensor && message.tensor.length))
                        message.tensor = [];
                    message.tensor.push($root.TensorProto.decode(reader, reader.size(), $undefined, _depth + 1));
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

    return MapTensorProto;
})();

export {
  $root as default
};
