"""Reading import files and mapping their columns to client fields."""
