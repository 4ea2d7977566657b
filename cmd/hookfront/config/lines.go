package config

// Line is the line of a field of the file, given as a path such as
// "origin_groups[1].write_failover" (the nearest enclosing field's when it is absent), so that
// checks made outside this package can point at it. It is 0 for a config made from flags.
func (c *Config) Line(field string) int {
	if c.root == nil {
		return 0
	}
	return (&checker{root: c.root}).line(field)
}
