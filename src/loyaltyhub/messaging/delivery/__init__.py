"""Delivery: preparing sendings into dispatches, transmitting dispatches through the club's transports."""
