import Foundation
import Formats

/// Writes a PlainConvUNet as an nnU-Net v2 model folder (`plans.json`, `dataset.json`,
/// `fold_0/checkpoint_final.pth`), so `nnUNetv2_predict_from_modelfolder` and weightgen's own
/// `predict` run it. nnU-Net resamples inputs to the plans' spacing and reads volumes in their
/// stored orientation; weightgen's own inference reorients first, so the two agree on data
/// stored axially (as the phantom and nnU-Net's own datasets are).
public enum NNUNetExport {
    /// `network` trained on patches of `patchSize` (z, y, x; z = 1 for 2D) at voxel `spacing`
    /// (z, y, x); `labels` names the classes from background on.
    public static func write(_ network: PlainConvUNet, patchSize: [Int], spacing: [Double], labels: [String],
                             channelNames: [String] = ["MRI"], datasetName: String = "Dataset900_WeightGen", to url: URL) throws {
        let c = network.configuration
        let rank = c.spatialRank
        let configurationName = rank == 2 ? "2d" : "3d_fullres"
        let patch = Array(patchSize.suffix(rank)), voxel = Array(spacing.suffix(rank))
        func ints(_ values: [Int]) -> JSONValue { .array(values.map { .int($0) }) }
        func doubles(_ values: [Double]) -> JSONValue { .array(values.map { .double($0) }) }
        func resampling(_ isSegmentation: Bool, order: Int) -> JSONValue {
            .object(JSONObject([("is_seg", .bool(isSegmentation)), ("order", .int(order)), ("order_z", .int(0)), ("force_separate_z", .null)]))
        }
        let architecture = JSONObject([
            ("network_class_name", .string("dynamic_network_architectures.architectures.unet.PlainConvUNet")),
            ("arch_kwargs", .object(JSONObject([
                ("n_stages", .int(c.stageCount)),
                ("features_per_stage", ints(c.featuresPerStage)),
                ("conv_op", .string("torch.nn.modules.conv.Conv\(rank)d")),
                ("kernel_sizes", .array(c.kernelSizes.map(ints))),
                ("strides", .array(c.strides.map(ints))),
                ("n_conv_per_stage", ints(c.convsPerStage)),
                ("n_conv_per_stage_decoder", ints(c.convsPerStageDecoder)),
                ("conv_bias", .bool(c.convBias)),
                ("norm_op", .string("torch.nn.modules.instancenorm.InstanceNorm\(rank)d")),
                ("norm_op_kwargs", .object(JSONObject([("eps", .double(Double(c.normEps))), ("affine", .bool(true))]))),
                ("dropout_op", .null),
                ("dropout_op_kwargs", .null),
                ("nonlin", .string("torch.nn.LeakyReLU")),
                ("nonlin_kwargs", .object(JSONObject([("inplace", .bool(true))]))),
            ]))),
            ("_kw_requires_import", .array(["conv_op", "norm_op", "dropout_op", "nonlin"].map { .string($0) })),
        ])
        let configuration = JSONObject([
            ("data_identifier", .string("nnUNetPlans_\(configurationName)")),
            ("preprocessor_name", .string("DefaultPreprocessor")),
            ("batch_size", .int(2)),
            ("patch_size", ints(patch)),
            ("median_image_size_in_voxels", doubles(patch.map(Double.init))),
            ("spacing", doubles(voxel)),
            ("normalization_schemes", .array(channelNames.map { _ in .string("ZScoreNormalization") })),
            ("use_mask_for_norm", .array(channelNames.map { _ in .bool(false) })),
            ("resampling_fn_data", .string("resample_data_or_seg_to_shape")),
            ("resampling_fn_seg", .string("resample_data_or_seg_to_shape")),
            ("resampling_fn_data_kwargs", resampling(false, order: 3)),
            ("resampling_fn_seg_kwargs", resampling(true, order: 1)),
            ("resampling_fn_probabilities", .string("resample_data_or_seg_to_shape")),
            ("resampling_fn_probabilities_kwargs", resampling(false, order: 1)),
            ("architecture", .object(architecture)),
            ("batch_dice", .bool(true)),
        ])
        let intensities = JSONObject(channelNames.indices.map { index in
            (String(index), JSONValue.object(JSONObject(["max", "mean", "median", "min", "percentile_00_5", "percentile_99_5", "std"]
                .map { ($0, JSONValue.double($0 == "std" || $0 == "max" || $0 == "percentile_99_5" ? 1 : 0)) })))
        })
        let plansJSON = JSONValue.object(JSONObject([
            ("dataset_name", .string(datasetName)),
            ("plans_name", .string("nnUNetPlans")),
            ("original_median_spacing_after_transp", doubles(Array(spacing.suffix(3)))),
            ("original_median_shape_after_transp", ints(Array(([1, 1] + patchSize).suffix(3)))),
            ("image_reader_writer", .string("SimpleITKIO")),
            ("transpose_forward", ints([0, 1, 2])),
            ("transpose_backward", ints([0, 1, 2])),
            ("configurations", .object(JSONObject([(configurationName, .object(configuration))]))),
            ("experiment_planner_used", .string("ExperimentPlanner")),
            ("label_manager", .string("LabelManager")),
            ("foreground_intensity_properties_per_channel", .object(intensities)),
        ]))
        let plans = try NNUNetPlans(json: plansJSON)
        let dataset = try NNUNetDatasetDescription(channelNames: channelNames, labels: labels, trainingCaseCount: 0)
        try NNUNetModelFolder.write(to: url, plans: plans, dataset: dataset, checkpoint: try checkpoint(network))
    }

    /// Writes `network` as an nnU-Net model folder with the plans and dataset description of
    /// `base` (the folder a partial network's frozen part came from): nnU-Net then preprocesses
    /// for it exactly as for the base.
    public static func write(_ network: PlainConvUNet, reusing base: NNUNetModelFolder, to url: URL) throws {
        try NNUNetModelFolder.write(to: url, plans: base.plans, dataset: base.dataset, checkpoint: try checkpoint(network))
    }

    /// `network` as an nnU-Net checkpoint: every state-dict alias, mirroring along all spatial axes,
    /// configuration `2d` or `3d_fullres`.
    public static func checkpoint(_ network: PlainConvUNet, epoch: Int = 0) throws -> NNUNetCheckpoint {
        let rank = network.configuration.spatialRank
        let weights = try network.namedParameters().map { NamedTensor($0.name, try StoredTensor($0.tensor)) }
        return NNUNetCheckpoint(networkWeights: NNUNetStateDictAliases.expand(weights), configuration: rank == 2 ? "2d" : "3d_fullres",
                                currentEpoch: epoch, mirroringAxes: Array(0..<rank))
    }
}
