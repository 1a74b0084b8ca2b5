// Placeholder file so the target builds before its sources land.
