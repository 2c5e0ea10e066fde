// Tests for GlassboxFigures.
