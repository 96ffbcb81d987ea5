/**
 * mindlet's transcription of MindSpore Lite's FlatBuffers schema, both generations (facts recorded in
 * docs/mslite-format.md):
 *
 * - `current`: mindspore/lite/schema/{model,ops,ops_types}.fbs, namespace mindspore.schema, file identifier "MSL2".
 *   Written by MindSpore Lite 1.2 and later (the reference files: 1.5.0).
 * - `v0`: the original schema, later kept as model_v0.fbs / ops_v0.fbs (namespace mindspore.schema.v0). Written by
 *   MindSpore Lite 1.0 and 1.1, with no file identifier (1.1 declared "MSL1" but the identifier is not checked).
 *
 * FlatBuffers evolve by appending: a field's slot is its position in the table, a union member's type id is its
 * position in the union plus one (0 is NONE). Deprecated fields keep their slot, so they stay listed here. Each
 * table is one line: `Name: field:type[=default] ...`; a type is a scalar, a vector `[T]`, `string`, `Vec2D`,
 * `[Attribute]` or an enum named below.
 */

export type Generation = 'v0' | 'current';

export type ScalarType = 'bool' | 'byte' | 'ubyte' | 'short' | 'int' | 'uint' | 'long' | 'float' | 'double';
export type FieldType =
  | ScalarType
  | 'string'
  | '[int]'
  | '[uint]'
  | '[long]'
  | '[float]'
  | '[ubyte]'
  | '[bool]'
  | 'Vec2D'
  | '[Attribute]'
  | { enum: string; scalar: ScalarType };

export interface FieldSpec {
  name: string;
  type: FieldType;
  /** The schema's default for an absent scalar (0 / false unless the schema says otherwise). */
  defaultValue: number | boolean | null;
}

export interface SchemaGeneration {
  generation: Generation;
  /** Union PrimitiveType members; the type id stored in a file is the index here plus one. */
  primitives: readonly string[];
  /** Op table fields, by table name (the union member name). */
  tables: ReadonlyMap<string, readonly FieldSpec[]>;
  /** Enums by name: value → member name. */
  enums: ReadonlyMap<string, { scalar: ScalarType; names: ReadonlyMap<number, string> }>;
}

// ---- enums -------------------------------------------------------------------------------------------------------

const SHARED_ENUMS = `
ResizeMethod:byte UNKNOWN=-1 LINEAR=0 NEAREST=1 CUBIC=2
NearestMode:byte NORMAL ROUND_HALF_DOWN ROUND_HALF_UP FLOOR CEIL
PoolMode:byte MAX_POOLING MEAN_POOLING
EltwiseMode:byte PROD SUM MAXIMUM UNKNOWN
RoundMode:byte FLOOR CEIL
PaddingMode:byte CONSTANT REFLECT SYMMETRIC MODE_RESERVED
LshProjectionType:byte UNKNOWN SPARSE DENSE
ReduceMode:byte ReduceMean ReduceMax ReduceMin ReduceProd ReduceSum ReduceSumSquare ReduceASum ReduceAll
`;

const CURRENT_ENUMS = `${SHARED_ENUMS}
CoordinateTransformMode:byte ASYMMETRIC ALIGN_CORNERS HALF_PIXEL
Format:int NCHW NHWC NHWC4 HWKC HWCK KCHW CKHW KHWC CHWK HW HW4 NC NC4 NC4HW4 NUM_OF_FORMAT NCDHW
ActivationType:byte NO_ACTIVATION RELU SIGMOID RELU6 ELU LEAKY_RELU ABS RELU1 SOFTSIGN SOFTPLUS TANH SELU HSWISH HSIGMOID THRESHOLDRELU LINEAR HARD_TANH SIGN SWISH GELU UNKNOWN
PadMode:byte PAD SAME VALID
Reduction:byte REDUCTION_SUM MEAN NONE
QuantType:int QUANT_NONE AwareTraining WeightQuant PostTraining QUANT_WEIGHT QUANT_ALL QUANT_DYNAMIC
WeightQuantCompressType:int NONE INDEXING SPARSE FSE BITPACKING FSE_INT FSE_INFER
`;

const V0_ENUMS = `${SHARED_ENUMS}
CoordinateTransformMode:byte COMMON HALF_PIXEL PYTORCH_HALF_PIXEL TF_HALF_PIXEL TF_CROP_AND_RESIZE ALIGN_CORNERS ASYMMETRIC ALIGN_CORNERS_WITH_HALF_PIEXL
Format:int NCHW NHWC NHWC4 HWKC HWCK KCHW CKHW KHWC CHWK HW HW4 NC NC4 NC4HW4=100 NUM_OF_FORMAT
ActivationType:byte NO_ACTIVATION RELU SIGMOID RELU6 ELU LEAKY_RELU ABS RELU1 SOFTSIGN SOFTPLUS TANH SELU HSWISH HSIGMOID THRESHOLDRELU LINEAR HARD_TANH SIGN SWISH UNKNOWN
PadMode:byte NOTSET=0 SAME_UPPER=1 VALID=2 CAFFE=4 SAME_LOWER=5
ReduceType:byte REDUCE_MAX REDUCE_MEAN REDUCE_ALL REDUCE_ANY REDUCE_LOG_SUM_EXP REDUCE_PROD REDUCE_SUM UNKNOWN
NodeType:int ValueNode Parameter CNode
QuantType:int QUANT_NONE AwareTraining WeightQuant PostTraining
`;

// ---- union members -----------------------------------------------------------------------------------------------

// Position 32 was "ControlDepend" in 1.2 and was later renamed "Attention"; the slot is the same.
const CURRENT_PRIMITIVES = `
Abs Activation ActivationGrad Adam AddFusion AdderFusion AddGrad AddN All ApplyMomentum ArgMaxFusion ArgMinFusion
Assert Assign AssignAdd AudioSpectrogram AvgPoolFusion AvgPoolGrad BatchNorm BatchNormGrad BatchToSpace
BatchToSpaceND BiasAdd BinaryCrossEntropy BinaryCrossEntropyGrad BiasAddGrad BroadcastTo Cast Ceil Clip Concat
Attention Conv2DBackpropFilterFusion Conv2DBackpropInputFusion Conv2DFusion Conv2dTransposeFusion Cos
ConstantOfShape Crop CustomExtractFeatures CustomNormalize CustomPredict DeConv2DGradFilter Depend DepthToSpace
DetectionPostProcess DivFusion DivGrad Dropout DropoutGrad Elu Eltwise Equal EmbeddingLookupFusion ExpFusion
ExpandDims FakeQuantWithMinMaxVars FakeQuantWithMinMaxVarsPerChannel FftReal FftImag Flatten FlattenGrad Floor
FloorDiv FloorMod Fill FullConnection FusedBatchNorm Gather GatherNd Greater GreaterEqual HashtableLookup
InstanceNorm LayerNormFusion LeakyRelu Less LessEqual Log LogGrad LogicalAnd LogicalNot LogicalOr LpNormalization
LRN LshProjection LSTM L2NormalizeFusion MatMulFusion Maximum MaximumGrad MaxPoolFusion MaxPoolGrad SwitchLayer Mfcc
Minimum MinimumGrad Mod MulFusion MulGrad Neg NegGrad NotEqual NonMaxSuppression OneHot OnesLike PadFusion
PartialFusion PowerGrad PowFusion PriorBox PReLUFusion QuantDTypeCast Rank Range Reciprocal RealDiv ReduceFusion
Reshape Resize ReverseSequence ReverseV2 Rfft ROIPooling Round Rsqrt ScaleFusion ScatterNd SGD Shape
SigmoidCrossEntropyWithLogits SigmoidCrossEntropyWithLogitsGrad Sin SkipGram SliceFusion SmoothL1Loss
SmoothL1LossGrad Softmax SoftmaxCrossEntropyWithLogits SpaceToBatch SpaceToBatchND SpaceToDepth
SparseSoftmaxCrossEntropyWithLogits SparseToDense Split Sqrt Squeeze Square SquaredDifference Stack StridedSlice
SubFusion SubGrad Switch TensorListFromTensor TensorListGetItem TensorListReserve TensorListSetItem TensorListStack
TileFusion TopKFusion Transpose Unique UnsortedSegmentSum Unsqueeze Unstack LSTMGrad Where ZerosLike Select
ScatterNdUpdate GRU NonZero InvertPermutation Size RandomStandardNormal CropAndResize Erf StridedSliceGrad IsFinite
LinSpace UniformReal AbsGrad RsqrtGrad SqrtGrad LayerNormGrad ResizeGrad Splice LogSoftmax Call Custom CumSum
SplitWithOverlap GenOP RaggedRange GLU TensorArray TensorArrayRead TensorArrayWrite Affine AllGather ReduceScatter
DynamicQuant LSTMGradData LSTMGradWeight RandomNormal NLLLoss NLLLossGrad FormatTranspose GatherD GroupNormFusion
Log1p TensorScatterAdd ScatterElements Triu Tril
`;

const V0_PRIMITIVES = `
Concat SoftMax Activation Conv2D FusedBatchNorm BatchNorm BiasAdd Pooling ROIPooling DepthwiseConv2D
DeDepthwiseConv2D Resize DetectionPostProcess FullConnection Mean DeConv2D Scale Reshape Eltwise NetOutput Add Sub
MatMul StridedSlice Power Slice Stack Mul RealDiv Pad Maximum Minimum PReLU LeakyReLU ArgMax ArgMin Exp Crop Range
Rsqrt ExpandDims Tile Cast Shape Nchw2Nhwc Nhwc2Nchw QuantDTypeCast Split Permute FakeQuantWithMinMaxVars Equal Less
Greater NotEqual LessEqual GreaterEqual Min Floor Abs Neg Cos Sin Sqrt Square Constant Log Tan Atan Asin Clip
Transpose Squeeze Unsqueeze Upsample Dropout Broadcast BroadcastTo Lrn ZerosLike TopK SpaceToDepth SpaceToBatch
SparseToDense ReverseSequence Rank Gather GatherNd Fill Elu DepthToSpace BatchToSpace AddN Ceil EmbeddingLookup
EmbeddingLookupSparse FloorDiv FloorMod L2Norm LocalResponseNormalization MatrixDiag Reduce Reverse Round Select
Scatter ScatterND ConstantOfShape Unique Unstack LogicalAnd LogicalOr LogicalXor LogicalNot OnnxInt8Quantize
OnnxInt8Dequantize FakeQuantWithMinMax FakeQuantWithMinMaxPerChannel BatchNormFold MulFold AddFold SquaredDifference
Flatten FlattenGrad TupleGetItem Div Where OneHot Lstm Conv2DGradFilter Conv2DGradInput PoolingGrad BNGrad Assign
ApplyMomentum BiasGrad SoftmaxCrossEntropy AddGrad SubGrad MulGrad DivGrad PowerGrad ActivationGrad PriorBox
SpaceToBatchND Depend Return MakeTuple ToFormat Proposal Custom BlackBox NegGrad LogGrad BatchToSpaceND LshProjection
HashtableLookup SkipGram DeConv2DGradFilter CustomPredict CustomNormalize CustomExtractFeatures AudioSpectrogram Mfcc
Rfft FftReal FftImag Sgd Adam GroupConv2DGradInput Loop NonMaxSuppression InstanceNorm Identity LayerNorm While
ControlDepend UnsortedSegmentSum AssignAdd OnesLike BinaryCrossEntropyGrad BinaryCrossEntropy LpNormalization
DropoutGrad MaximumGrad MinimumGrad Switch Partial TensorListFromTensor TensorListStack TensorListGetItem
TensorListSetItem TensorListReserve All Assert Adder SparseSoftmaxCrossEntropy SmoothL1Loss SmoothL1LossGrad
SigmoidCrossEntropyWithLogits SigmoidCrossEntropyWithLogitsGrad Reciprocal Merge Mod GeLU
`;

// ---- op tables ---------------------------------------------------------------------------------------------------

const CONV_CURRENT =
  'format:Format kernel_size:[long] stride:[long] dilation:[long] pad_mode:PadMode pad_list:[long] mode:long group:long in_channel:long out_channel:long activation_type:ActivationType';
const CONV_TRANSPOSED_CURRENT =
  'format:Format kernel_size:[long] stride:[long] dilation:[long] pad_mode:PadMode pad:[long] pad_list:[long] mode:long group:long in_channel:long out_channel:long activation_type:ActivationType';
const POOL_CURRENT =
  'kernel_size:[long] strides:[long] pad:[long] pad_mode:PadMode round_mode:RoundMode format:Format global:bool activation_type:ActivationType';
const LSTM_CURRENT =
  'bidirectional:bool has_bias:bool input_size:long hidden_size:long num_layers:long num_directions:long dropout:float zoneout_cell:float zoneout_hidden:float';

const CURRENT_TABLES = `
Activation: activation_type:ActivationType alpha:float min_val:float max_val:float approximate:bool
ActivationGrad: activation_type:ActivationType alpha:float
Adam: use_locking:bool use_nesterov:bool
AddFusion: activation_type:ActivationType
AdderFusion: format:Format kernel_size:[long] stride:[long] dilation:[long] pad_mode:PadMode pad_list:[long] group:long in_channel:long out_channel:long activation_type:ActivationType
All: keep_dims:long
ApplyMomentum: use_nesterov:bool use_locking:bool gradient_scale:float
ArgMaxFusion: axis:long top_k:long=1 keep_dims:bool out_max_value:bool
ArgMinFusion: axis:long top_k:long keep_dims:bool out_max_value:bool
Assert: summarize:long
AudioSpectrogram: window_size:long stride:long mag_square:bool
AvgPoolFusion: ${POOL_CURRENT}
AvgPoolGrad: kernel_size:[long] strides:[long] pad_mode:PadMode format:Format
BatchNorm: epsilon:float format:Format is_training:bool
BatchNormGrad: epsilon:float is_training:bool
BatchToSpace: block_size:[long] crops:Vec2D
BatchToSpaceND: block_shape:[long] crops:Vec2D
BiasAdd: format:Format
BinaryCrossEntropy: reduction:Reduction
BinaryCrossEntropyGrad: reduction:Reduction=1
BroadcastTo: shape:[long]
Clip: max:float min:float
Concat: axis:long
Attention: head_num:long head_size:long cross:bool
Conv2DBackpropFilterFusion: ${CONV_CURRENT}
Conv2DBackpropInputFusion: ${CONV_TRANSPOSED_CURRENT}
Conv2DFusion: ${CONV_CURRENT}
Conv2dTransposeFusion: ${CONV_TRANSPOSED_CURRENT} output_paddings:[long]
ConstantOfShape: data_type:long value:[float]
Crop: axis:long offsets:[long]
CustomPredict: output_num:long weight_threshold:float
DeConv2DGradFilter: in_channel:long out_channel:long kernel_size:[long] pad_mode:PadMode pad_list:[long] stride:[long] dilation:[long] group:long format:Format activation_type:ActivationType
DepthToSpace: block_size:long format:Format mode:string
DetectionPostProcess: format:Format input_size:long scale:[float] nms_iou_threshold:float nms_score_threshold:float max_detections:long detections_per_class:long max_classes_per_detection:long num_classes:long use_regular_nms:bool out_quantized:bool
DivFusion: activation_type:ActivationType
Dropout: keep_prob:float=0.5
DropoutGrad: keep_prob:float
Elu: alpha:float
Eltwise: mode:EltwiseMode
EmbeddingLookupFusion: max_norm:float
ExpFusion: base:float=-1 scale:float=1 shift:float=0
FakeQuantWithMinMaxVars: num_bits:long narrow_range:bool
FakeQuantWithMinMaxVarsPerChannel: num_bits:long narrow_range:bool
Flatten: axis:long=1
FullConnection: has_bias:bool use_axis:bool axis:long activation_type:ActivationType
FusedBatchNorm: epsilon:float=0.0001 momentum:float=0.9 mode:long
InstanceNorm: epsilon:float
LayerNormFusion: begin_norm_axis:long epsilon:float=0.00001 elementwise_affine:bool begin_params_axis:long
LeakyRelu: negative_slope:float
LpNormalization: axis:long p:long
LRN: depth_radius:long bias:float alpha:float beta:float norm_region:string
LshProjection: type:LshProjectionType
LSTM: ${LSTM_CURRENT}
LSTMGrad: ${LSTM_CURRENT}
L2NormalizeFusion: axis:[long] epsilon:float activation_type:ActivationType
MatMulFusion: transpose_a:bool transpose_b:bool activation_type:ActivationType
MaximumGrad: grad_x:bool grad_y:bool
MaxPoolFusion: ${POOL_CURRENT}
MaxPoolGrad: kernel_size:[long] strides:[long] pad_mode:PadMode format:Format
Mfcc: freq_upper_limit:float freq_lower_limit:float filter_bank_channel_num:long dct_coeff_num:long
MinimumGrad: grad_x:bool grad_y:bool
MulFusion: activation_type:ActivationType
NonMaxSuppression: center_point_box:long
OneHot: axis:long
PadFusion: paddings:Vec2D padding_mode:PaddingMode constant_value:float
PartialFusion: sub_graph_index:long
PowerGrad: power:float scale:float shift:float
PowFusion: scale:float=1 shift:float=0
PriorBox: min_sizes:[long] max_sizes:[long] aspect_ratios:[float] variances:[float] image_size_w:long image_size_h:long step_w:float step_h:float clip:bool flip:bool offset:float
PReLUFusion: channel_shared:bool
Range: d_type:long start:long limit:long delta:long=1
ReduceFusion: keep_dims:bool mode:ReduceMode reduce_to_end:bool coeff:float
Resize: format:Format method:ResizeMethod new_height:long new_width:long preserve_aspect_ratio:bool coordinate_transform_mode:CoordinateTransformMode cubic_coeff:float exclude_outside:long extrapolation_value:float nearest_mode:NearestMode
ReverseSequence: seq_dim:long batch_dim:long
ReverseV2: axis:[long]
Rfft: fft_length:long
ROIPooling: pooled_h:long pooled_w:long scale:float
QuantDTypeCast: src_t:long dst_t:long axis:long
ScaleFusion: axis:long activation_type:ActivationType
SGD: nesterov:bool dampening:float weight_decay:float
SkipGram: include_all_grams:bool max_skip_size:long ngram_size:long
SliceFusion: axes:[long]
SmoothL1Loss: beta:float
SmoothL1LossGrad: beta:float
Softmax: axis:[long]
SpaceToBatch: block_size:[long] paddings:Vec2D
SpaceToBatchND: block_shape:[long] paddings:Vec2D
SpaceToDepth: block_size:long format:Format
SparseSoftmaxCrossEntropyWithLogits: is_grad:bool
Split: output_num:long size_splits:[long] axis:long
Squeeze: axis:[long]
Stack: axis:long
StridedSlice: begin_mask:long end_mask:long ellipsis_mask:long new_axis_mask:long shrink_axis_mask:long
SubFusion: activation_type:ActivationType
TensorListFromTensor: element_dtype:long shape_type:long
TensorListGetItem: element_dtype:long
TensorListReserve: element_dtype:long shape_type:long
TensorListSetItem: element_dtype:long
TensorListStack: num_elements:long element_dtype:long
TileFusion: dims:[long]
TopKFusion: sorted:bool=true axis:long largest:long
Unsqueeze: axis:[long]
Unstack: axis:long
GRU: bidirectional:bool
RandomStandardNormal: seed:long seed2:long
CropAndResize: method:ResizeMethod extrapolation_value:float
StridedSliceGrad: begin_mask:long end_mask:long ellipsis_mask:long new_axis_mask:long shrink_axis_mask:long
UniformReal: seed:long seed2:long
LayerNormGrad: begin_norm_axis:long begin_params_axis:long
ResizeGrad: method:ResizeMethod align_corners:bool
Splice: context:[long] forward_indexes:[long] output_dim:long
LogSoftmax: axis:long
Call: is_tail_call:bool=true
CumSum: exclusive:bool reverse:bool
Custom: type:string attr:[Attribute]
SplitWithOverlap: split_dim:long number_split:long ratio:[long] extend_top:[long] extend_bottom:[long]
GLU: axis:long=-1
TensorArray: dynamic_size:bool identical_element_shapes:bool element_shape:[int] data_type:int
Affine: context:[long] output_dim:long activation_type:ActivationType transpose_a:bool transpose_b:bool
AllGather: group:string rank_size:int
ReduceScatter: group:string mode:ReduceMode rank_size:int
DynamicQuant: symmetric:bool dst_type:long=32
LSTMGradData: ${LSTM_CURRENT}
LSTMGradWeight: ${LSTM_CURRENT}
RandomNormal: seed:float mean:float scale:float
NLLLoss: reduction:Reduction
NLLLossGrad: reduction:Reduction
FormatTranspose: src_format:Format=1 dst_format:Format=1
GroupNormFusion: num_groups:long epsilon:float=0.00001 affine:bool=true
ScatterElements: axis:long
`;

const CONV_V0 =
  'format:Format group:int channelIn:int channelOut:int kernelW:int kernelH:int strideW:int strideH:int padMode:PadMode padUp:int padDown:int padLeft:int padRight:int dilateW:int dilateH:int hasBias:bool';
const DEPTHWISE_V0 =
  'format:Format channelIn:int channelMultiplier:int kernelW:int kernelH:int strideW:int strideH:int padMode:PadMode padUp:int padDown:int padLeft:int padRight:int dilateW:int dilateH:int hasBias:bool activationType:ActivationType';
const POOL_V0 =
  'format:Format poolingMode:PoolMode global:bool windowW:int windowH:int strideW:int strideH:int padMode:PadMode padUp:int padDown:int padLeft:int padRight:int roundMode:RoundMode';

const V0_TABLES = `
Pad: paddings:[int] paddingMode:PaddingMode constantValue:float
Concat: axis:int n:int
SoftMax: axis:int=-1
Activation: type:ActivationType alpha:float=0.2 min_val:float=-1 max_val:float=1
ActivationGrad: type:ActivationType alpha:float=0.2
Conv2D: ${CONV_V0} activationType:ActivationType
Adder: ${CONV_V0} activationType:ActivationType
Conv2DGradFilter: ${CONV_V0} filter_shape:[int] activationType:ActivationType
Conv2DGradInput: ${CONV_V0} input_shape:[int] activationType:ActivationType
GroupConv2DGradInput: ${CONV_V0} input_shape:[int] activationType:ActivationType
FusedBatchNorm: epsilon:float=0.00001 momentum:float=0.9 spatial:int=1
BatchNorm: epsilon:float=0.00001
BiasGrad: axis:[int]
SoftmaxCrossEntropy: axis:[int]
SparseSoftmaxCrossEntropy: isGrad:int
PoolingGrad: ${POOL_V0}
ConstantOfShape: dataType:int value:[float]
FakeQuantWithMinMaxVars: narrowRange:bool numBits:int
BiasAdd: axis:[int]
ROIPooling: pooledH:int pooledW:int scale:float
Pooling: ${POOL_V0} activationType:ActivationType avgMode:int
DepthwiseConv2D: ${DEPTHWISE_V0}
DeDepthwiseConv2D: ${DEPTHWISE_V0}
Resize: format:Format method:ResizeMethod newHeight:long newWidth:long alignCorners:bool preserveAspectRatio:bool coordinateTransformMode:CoordinateTransformMode cubicCoeff:float excludeOutside:int extrapolationValue:float nearestMode:NearestMode
DetectionPostProcess: format:Format inputSize:int hScale:float wScale:float xScale:float yScale:float NmsIouThreshold:float NmsScoreThreshold:float MaxDetections:long DetectionsPerClass:long MaxClassesPerDetection:long NumClasses:long UseRegularNms:bool OutQuantized:bool
FullConnection: hasBias:bool axis:int useAxis:bool activationType:ActivationType
Mean: axis:[int] keepDims:bool
DeConv2D: ${CONV_V0} activationType:ActivationType
DeConv2DGradFilter: ${CONV_V0} activationType:ActivationType
BNGrad: eps:float momentum:float
Scale: axis:int activationType:ActivationType
Eltwise: mode:EltwiseMode
Add: activationType:ActivationType
Sub: activationType:ActivationType
Mul: activationType:ActivationType
Div: activationType:ActivationType
Slice: format:Format axes:[int] begin:[int] size:[int]
Exp: base:float=-1 scale:float=1 shift:float=0
Reshape: format:Format shape:[long]
Power: power:float scale:float shift:float
PowerGrad: power:float scale:float shift:float
ArgMax: axis:int outMaxValue:bool topK:int=1 keepDims:bool axisType:int
ArgMin: axis:int outMaxValue:bool topK:int=1 keepDims:bool axisType:int
MatMul: broadcast:bool transposeA:bool transposeB:bool
PReLU: channelShared:bool slope:[float]
LeakyReLU: negativeSlope:float
StridedSlice: beginMask:int endMask:int ellipsisMask:int newAxisMask:int shrinkAxisMask:int begin:[int] end:[int] stride:[int] isScale:[int]
Stack: axis:int n:int isScale:[int]
Range: dType:int start:int limit:int delta:int=1
ExpandDims: dim:int
Tile: multiples:[int] dims:[int]
Cast: srcT:int dstT:int
QuantDTypeCast: srcT:int dstT:int
Split: numberSplit:int sizeSplits:[int] splitDim:int
Crop: axis:long offsets:[long]
Permute: order:[long]
Clip: max:float min:float
Elu: alpha:float=1
BroadcastTo: dst_shape:[int]
Lrn: alpha:float=0.0001 beta:float=0.75 bias:float=1 size:int
Reduce: axes:[int] keepDims:int mode:ReduceMode reduceToEnd:bool coeff:float=1
Transpose: perm:[int] conjugate:bool
Squeeze: axis:[int]
Unsqueeze: axis:[int]
Upsample: mode:string scales:[float]
Dropout: ratio:float=0.5
LocalResponseNormalization: depth_radius:int bias:float alpha:float beta:float
TopK: k:int sorted:bool=true
SpaceToDepth: blockSize:int format:Format
SpaceToBatch: blockShape:[int] paddings:[int]
SparseToDense: validateIndices:bool
ReverseSequence: seqAxis:int batchAxis:int
Gather: axis:int batchDims:int
GatherNd: batchDims:int
Fill: dims:[int]
DepthToSpace: blockSize:int format:Format
BatchToSpace: blockShape:[int] crops:[int]
BatchToSpaceND: blockShape:[int] crops:[int]
AddN: N:int
EmbeddingLookup: maxNorm:float
EmbeddingLookupSparse: spIds:[int] spWeights:[float] maxNortm:float
L2Norm: axis:[int] epsilon:float activationType:ActivationType
MatrixDiag: k:int numRows:int numCols:int paddingValue:float
Reverse: axis:[int]
Unique: outType:int
Unstack: num:int axis:int
ApplyMomentum: gradientScale:float useNesterov:bool
Sgd: weightDecay:float dampening:float useNesterov:bool
Adam: useNesterov:bool
Where: condition:[bool]
OneHot: axis:int
Lstm: bidirection:bool
PriorBox: min_sizes:[int] max_sizes:[int] aspect_ratios:[float] variances:[float] image_size_w:int image_size_h:int step_w:float step_h:float clip:bool=true flip:bool=true offset:float
SpaceToBatchND: blockShape:[int] paddings:[int]
ToFormat: srcT:int dstT:int
Proposal: feat_stride:float base_size:float min_size:float ratio:[float] scale:[float] pre_nms_topn:int post_nms_topn:int nms_thresh:float
Custom: custom:[ubyte]
BlackBox: id:string size:int address:[ubyte]
LshProjection: type:LshProjectionType
SkipGram: includeAllGrams:bool maxSkipSize:int ngramSize:int
CustomPredict: outputNum:int weightThreshold:float
AudioSpectrogram: windowSize:int stride:int magSquare:bool
Mfcc: freqUpperLimit:float freqLowerLimit:float filterBankChannelNum:int dctCoeffNum:int
Rfft: fftLength:int
DropoutGrad: ratio:float=0.5
NonMaxSuppression: centerPointBox:int
InstanceNorm: epsilon:float=0.00001
Loop: subGraphIndex:int
LayerNorm: normalizedShape:[int] epsilon:float=0.00001 elementwiseAffine:bool
While: condSubgraphIndex:int bodySubgraphIndex:int
UnsortedSegmentSum: numSegments:int
BinaryCrossEntropy: reduction:int=1
BinaryCrossEntropyGrad: reduction:int=1
LpNormalization: axis:int p:int
Partial: subGraphIndex:int
TensorListFromTensor: elementDType:int shapeType:int
TensorListStack: numElements:int elementDType:int
TensorListGetItem: elementDType:int
TensorListSetItem: elementDType:int
TensorListReserve: elementDType:int shapeType:int
All: keepDims:int
Assert: summarize:int
SmoothL1Loss: beta:float
SmoothL1LossGrad: beta:float
SigmoidCrossEntropyWithLogits: beta:float
SigmoidCrossEntropyWithLogitsGrad: beta:float
`;

// ---- parsing the transcription -----------------------------------------------------------------------------------

const SCALARS = new Set<string>(['bool', 'byte', 'ubyte', 'short', 'int', 'uint', 'long', 'float', 'double']);
const COMPOUND = new Set<string>(['string', '[int]', '[uint]', '[long]', '[float]', '[ubyte]', '[bool]', 'Vec2D']);

function parseEnums(text: string): SchemaGeneration['enums'] {
  const enums = new Map<string, { scalar: ScalarType; names: Map<number, string> }>();
  for (const line of text.trim().split('\n')) {
    const [head, ...members] = line.trim().split(/\s+/);
    const [name, scalar] = (head ?? '').split(':') as [string, ScalarType];
    const names = new Map<number, string>();
    let next = 0;
    for (const member of members) {
      const [memberName, explicit] = member.split('=') as [string, string | undefined];
      const value = explicit === undefined ? next : Number(explicit);
      names.set(value, memberName);
      next = value + 1;
    }
    enums.set(name, { scalar, names });
  }
  return enums;
}

function parseTables(text: string, enums: SchemaGeneration['enums']): Map<string, FieldSpec[]> {
  const tables = new Map<string, FieldSpec[]>();
  for (const line of text.trim().split('\n')) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim();
    const fields = line
      .slice(colon + 1)
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map((token): FieldSpec => {
        const [fieldName, rest] = token.split(/:(.*)/s) as [string, string];
        const [typeName, defaultText] = rest.split('=') as [string, string | undefined];
        let type: FieldType;
        if (SCALARS.has(typeName)) type = typeName as ScalarType;
        else if (COMPOUND.has(typeName) || typeName === '[Attribute]') type = typeName as FieldType;
        else {
          const known = enums.get(typeName);
          if (!known) throw new Error(`schema transcription: ${name}.${fieldName} has unknown type ${typeName}`);
          type = { enum: typeName, scalar: known.scalar };
        }
        let defaultValue: FieldSpec['defaultValue'] = null;
        if (typeof type !== 'string' || SCALARS.has(type)) {
          defaultValue = type === 'bool' ? defaultText === 'true' : defaultText === undefined ? 0 : Number(defaultText);
        }
        return { name: fieldName, type, defaultValue };
      });
    if (tables.has(name)) throw new Error(`schema transcription: table ${name} listed twice`);
    tables.set(name, fields);
  }
  return tables;
}

function generation(generation: Generation, primitives: string, tables: string, enumsText: string): SchemaGeneration {
  const enums = parseEnums(enumsText);
  const list = primitives.trim().split(/\s+/);
  const parsed = parseTables(tables, enums);
  for (const table of parsed.keys()) {
    if (!list.includes(table)) throw new Error(`schema transcription: table ${table} is not a union member`);
  }
  return { generation, primitives: list, tables: parsed, enums };
}

export const SCHEMAS: Readonly<Record<Generation, SchemaGeneration>> = {
  current: generation('current', CURRENT_PRIMITIVES, CURRENT_TABLES, CURRENT_ENUMS),
  v0: generation('v0', V0_PRIMITIVES, V0_TABLES, V0_ENUMS),
};

/** The file identifier of the current generation, at bytes 4..8. */
export const CURRENT_FILE_IDENTIFIER = 'MSL2';

/**
 * Field slots of the model tables (model.fbs / model_v0.fbs), the same in both generations except where noted.
 * CNode slot 1 (nodeType) is deprecated in the current schema; Tensor slots 10..12 and MetaGraph slots 9..10
 * exist only in later current-generation files.
 */
export const META_GRAPH = {
  name: 0,
  version: 1,
  fmkType: 2,
  inputIndex: 3,
  outputIndex: 4,
  mempoolSize: 5,
  nodes: 6,
  allTensors: 7,
  subGraph: 8,
  obfuscate: 9,
  obfMetaData: 10,
} as const;
export const CNODE = { name: 0, nodeType: 1, primitive: 2, inputIndex: 3, outputIndex: 4, quantType: 5 } as const;
export const PRIMITIVE = { valueType: 0, value: 1 } as const;
export const TENSOR = {
  nodeType: 0,
  dataType: 1,
  dims: 2,
  format: 3,
  refCount: 4,
  offset: 5,
  data: 6,
  quantParams: 7,
  quantClusters: 8,
  name: 9,
  enableHuffmanCode: 10,
  weightQuantCompressType: 11,
  externalData: 12,
} as const;
export const SUB_GRAPH = { name: 0, inputIndices: 1, outputIndices: 2, nodeIndices: 3, tensorIndices: 4 } as const;
export const QUANT_PARAM = {
  scale: 0,
  zeroPoint: 1,
  min: 2,
  max: 3,
  narrowRange: 4,
  numBits: 5,
  inited: 6,
  varCorr: 7,
  meanCorr: 8,
  dstDtype: 9,
  roundType: 10,
  multiplier: 11,
} as const;
export const EXTERNAL_DATA = { checkSum: 0, location: 1, offset: 2, length: 3 } as const;
/** Custom op attributes (current generation): `table Attribute { name: string; data: [ubyte]; }`. */
export const ATTRIBUTE = { name: 0, data: 1 } as const;

/**
 * Tensor.dataType holds MindSpore's TypeId (the numbers MindSpore Lite's public DataType enum also uses).
 * Only element types: object types (string, tensor list) are reported by number.
 */
export const TYPE_IDS: ReadonlyMap<number, string> = new Map([
  [12, 'string'],
  [30, 'bool'],
  [32, 'int8'],
  [33, 'int16'],
  [34, 'int32'],
  [35, 'int64'],
  [37, 'uint8'],
  [38, 'uint16'],
  [39, 'uint32'],
  [40, 'uint64'],
  [42, 'float16'],
  [43, 'float32'],
  [44, 'float64'],
  [46, 'bfloat16'],
]);
