package actors

import "fmt"

// pattern sets the delivery role of a spawn option, refusing a second one.
func pattern(c *spawnConfig, p *patternRole) error {
	if c.pattern != nil && c.pattern.option != p.option {
		return fmt.Errorf("%w: %s and %s: a socket actor has one delivery role", ErrBadOption, c.pattern.option, p.option)
	}
	c.pattern = p
	return nil
}
