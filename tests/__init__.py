"""Tests of the template: unit, bake and generated-project tiers."""
