"""Virtual sensing of a battery from what its management system measures."""
