// Tests for GlassboxMethods.
