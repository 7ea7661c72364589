package hostile

import "math/rand/v2"

// junk makes random frames, messages and topics. Each goroutine of a
// storm has its own, from the storm's seed and its own number.
type junk struct {
	r        *rand.Rand
	maxFrame int
}

func newJunk(seed uint64, stream uint64, maxFrame int) *junk {
	return &junk{r: rand.New(rand.NewPCG(seed, stream)), maxFrame: maxFrame}
}

// bytes returns n random bytes.
func (j *junk) bytes(n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(j.r.Uint32())
	}
	return b
}

// between returns a number from lo to hi, both included.
func (j *junk) between(lo, hi int) int {
	if hi <= lo {
		return lo
	}
	return lo + j.r.IntN(hi-lo+1)
}

// big is the size of a large frame: above a kilobyte (and a server's
// usual limit), up to maxFrame.
func (j *junk) big() int { return j.between(min(1025, j.maxFrame), j.maxFrame) }

// frame returns a frame of one of the sizes a server must take or refuse:
// empty, a few bytes, up to a kilobyte.
func (j *junk) frame() []byte {
	switch p := j.r.IntN(10); {
	case p < 3:
		return []byte{}
	case p < 8:
		return j.bytes(j.between(1, 32))
	default:
		return j.bytes(j.between(33, 1100))
	}
}

// nonEmpty is frame without the empty one.
func (j *junk) nonEmpty() []byte {
	if f := j.frame(); len(f) > 0 {
		return f
	}
	return j.bytes(1)
}

// message returns a malformed (or merely odd) multipart message of 0 to 8
// frames; 0 frames is one empty frame, the least ZMTP carries. Its shape
// is one of: random frames (empty ones anywhere), no empty frame at all (a
// missing delimiter), an envelope (frames, the empty delimiter, a body),
// only empty frames. One message in twenty has a large frame.
func (j *junk) message() [][]byte {
	n := j.r.IntN(9)
	if n == 0 {
		return [][]byte{{}}
	}
	m := make([][]byte, n)
	switch j.r.IntN(4) {
	case 0:
		for i := range m {
			m[i] = j.frame()
		}
	case 1:
		for i := range m {
			m[i] = j.nonEmpty()
		}
	case 2:
		d := j.r.IntN(n)
		for i := range m {
			if i != d {
				m[i] = j.nonEmpty()
			} else {
				m[i] = []byte{}
			}
		}
	default:
		for i := range m {
			m[i] = []byte{}
		}
	}
	if j.r.IntN(20) == 0 {
		m[j.r.IntN(n)] = j.bytes(j.big())
	}
	return m
}

// topic returns a subscription topic: most short, some up to a thousand
// bytes (a subscription message is the topic and one byte more, under a
// kilobyte).
func (j *junk) topic() []byte {
	if j.r.IntN(10) < 7 {
		return j.bytes(j.between(0, 64))
	}
	return j.bytes(j.between(65, 1000))
}
