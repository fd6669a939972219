"""Screens of 企业画像 and 梯度培育 (SPEC §12.4)."""
