// Tests for GlassboxModels.
