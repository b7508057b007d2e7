"""Tests for Replicate Desktop."""
