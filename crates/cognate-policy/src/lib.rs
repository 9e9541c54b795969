//! IAM-compatible policy documents: parsing and evaluation. Pure functions, no IO.
