// Tests for GlassboxEngine.
