package walname

import (
	"fmt"
	"iter"
)

// Between returns the segments from begin's segment to end's segment, both
// included, as a backup needs them: both must be on the same timeline and
// begin must not come after end.
func Between(begin, end Name, size uint64) (iter.Seq[Name], error) {
	if err := begin.checkSegment(size); err != nil {
		return nil, err
	}
	if err := end.checkSegment(size); err != nil {
		return nil, err
	}
	begin, end = begin.Segment(), end.Segment()
	if begin.Timeline != end.Timeline {
		return nil, fmt.Errorf("segments %s and %s are on different timelines", begin, end)
	}
	if Compare(begin, end) > 0 {
		return nil, fmt.Errorf("segment %s comes after %s", begin, end)
	}
	return func(yield func(Name) bool) {
		for n := begin; yield(n) && n != end; {
			n, _ = n.Next(size) // cannot fail: n is before end
		}
	}, nil
}
