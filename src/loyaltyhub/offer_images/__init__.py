"""Offer images rendered from image templates (Pillow): the preview endpoint and the offer's rendered file."""
