/// The builtins that connect the language to data, models, training, explanation methods and
/// figures, on top of the core builtins.
public enum GlassboxBindings {
    /// Every binding builtin, in help order. `show` replaces the core's `show` (it accepts the same
    /// call and adds image options).
    public static var all: [Builtin] {
        DatasetBuiltins.all + TrainBuiltin.all + ModelBuiltins.all + MethodBuiltins.all + PrototypeBuiltins.all + FeatureBuiltins.all
            + PatternBuiltins.all + AttackBuiltins.all + MetricBuiltins.all + ExerciseBuiltins.all + SimilarityBuiltin.all
            + LocalisationBuiltin.all + StackBuiltin.all + ShowBuiltin.all + PlotBuiltin.all + TableBuiltin.all
    }
}

extension BuiltinRegistry {
    /// The core builtins plus the bindings: what notebooks and `glassbox run` use.
    public static var glassbox: BuiltinRegistry {
        var registry = BuiltinRegistry.standard
        for builtin in GlassboxBindings.all { registry.register(builtin) }
        return registry
    }
}
