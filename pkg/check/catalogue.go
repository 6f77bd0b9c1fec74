package check

// catalogue checks what the catalogue records against the live server.
func (c *checker) catalogue() {}

// archiving checks archive settings and that WAL arrives.
func (c *checker) archiving() {
	if c.in.Status == nil {
		return
	}
	c.archiveSettings(c.in.Status)
}
