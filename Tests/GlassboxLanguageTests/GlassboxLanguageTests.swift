// Tests for GlassboxLanguage.
