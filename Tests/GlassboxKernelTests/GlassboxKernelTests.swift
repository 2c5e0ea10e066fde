// Tests for GlassboxKernel.
