package store

import (
	"fmt"
	"io"
	"sync"

	"github.com/klauspost/compress/zstd"
)

const (
	// windowSize is the zstd window of every frame the store writes. A delta
	// frame can only refer back to dictionary bytes inside the window, so it
	// must cover the previous payload plus the new one: real policy pages
	// are a few hundred kilobytes (the largest of both corpora 380 KB), and
	// 1 MiB covers two pages of 512 KiB. Larger pages still compress, less
	// well. Every encoder holds a history buffer of the window and a block
	// (with WithLowerEncoderMem; twice the window without), so the window
	// is most of an encoder's memory: with 2 MiB a delta encoder held 4.5
	// MB (measured in bench/).
	windowSize = 1 << 20

	// maxDecoderWindow bounds the window a frame read back may declare; a
	// later policywatch may write larger windows than windowSize.
	maxDecoderWindow = 64 << 20

	// deltaDictID names the raw dictionary of a delta frame. Each frame has
	// exactly one dictionary, its base payload, so one id serves all.
	deltaDictID = 1
)

// codec compresses payloads and texts. Encoders are costly to create (a
// new one allocates its tables and a history of the window: 2 MB for the
// plain encoder compressing a 348 KB page, 3.4 MB at the default level),
// so the codec keeps one of each kind between writes, and
// drops them on release: a daemon spends nearly all its life idle between
// passes, and a held encoder is memory for nothing. One at a time is no
// loss: bodies are framed one at a time anyway (bodyScratch), and
// compressing several first captures at once only raised a pass's peak
// memory (measured in bench/). Decoders are cheap in
// comparison (155 µs / 524 KB new, 50 µs / 11 KB reset): one plain
// decoder, safe for concurrent DecodeAll, serves every frame without a
// dictionary, and delta decoders are pooled, reset with each frame's.
type codec struct {
	plainMu  sync.Mutex
	plainEnc *zstd.Encoder // nil until needed, and after release
	deltaMu  sync.Mutex
	deltaEnc *zstd.Encoder // nil until needed, and after release

	plainDec *zstd.Decoder
	deltaDec sync.Pool // *zstd.Decoder, dictionary set per frame
}

func newCodec() (*codec, error) {
	// Bad options fail at Open, not at a write. Without a writer the
	// encoder allocates nothing yet (with one, its tables: 1.4 MB held by
	// processes that never write, such as serve).
	enc, err := newPlainEncoder(nil)
	if err != nil {
		return nil, err
	}
	dec, err := zstd.NewReader(nil,
		zstd.WithDecoderConcurrency(2), // the web view reads while the daemon writes
		zstd.WithDecoderMaxWindow(maxDecoderWindow),
		zstd.WithDecoderMaxMemory(maxPayloadSize))
	if err != nil {
		return nil, fmt.Errorf("zstd decoder: %w", err)
	}
	return &codec{plainEnc: enc, plainDec: dec}, nil
}

// newPlainEncoder makes an encoder for whole bodies, version texts and
// links. The best level's tables cost 68 MiB (measured in bench/), and the
// better level made compression a quarter of a first capture's CPU. Most
// bodies are deltas, so the level of the few whole ones barely shows in
// the database: on the printable history the default level cost ~1% more
// space than the better one (3.26 → 3.30 MB), and the fastest another
// ~1% (3.78 → 3.81 MB; a whole 348 KB page 64 → 69 KB) for 0.8 ms less
// per first capture (13.6 → 12.9 ms, BaselinePrintableSnapshot) and
// smaller tables. One block at a time:
// a daemon on a small server has no use for parallel compression of a
// 400 KB page.
func newPlainEncoder(w io.Writer) (*zstd.Encoder, error) {
	enc, err := zstd.NewWriter(w,
		zstd.WithEncoderLevel(zstd.SpeedFastest),
		zstd.WithWindowSize(windowSize),
		zstd.WithLowerEncoderMem(true),
		zstd.WithEncoderConcurrency(1))
	if err != nil {
		return nil, fmt.Errorf("zstd encoder: %w", err)
	}
	return enc, nil
}

// release drops the encoders; the next write makes new ones.
func (c *codec) release() {
	c.plainMu.Lock()
	c.plainEnc = nil
	c.plainMu.Unlock()
	c.deltaMu.Lock()
	c.deltaEnc = nil
	c.deltaMu.Unlock()
}

func (c *codec) close() {
	c.release()
	c.plainDec.Close()
	// Pooled decoders hold no goroutines with concurrency 1 and DecodeAll
	// only; the pool lets the garbage collector have them.
}

// compress returns src as a zstd frame without dictionary.
func (c *codec) compress(src []byte) []byte {
	c.plainMu.Lock()
	defer c.plainMu.Unlock()
	out := frameWriter(make([]byte, 0, len(src)/4))
	if c.plainEnc == nil {
		enc, err := newPlainEncoder(nil)
		if err != nil {
			panic(err) // newCodec made one with the same options
		}
		c.plainEnc = enc
	}
	c.plainEnc.ResetContentSize(&out, int64(len(src)))
	encodeStream(c.plainEnc, src)
	c.plainEnc.Reset(nil) // let go of out
	return out
}

// frameWriter collects a frame as an encoder writes it.
type frameWriter []byte

func (f *frameWriter) Write(p []byte) (int, error) {
	*f = append(*f, p...)
	return len(p), nil
}

// encodeStream writes src through enc, reset onto a frameWriter, and
// ends the frame. The codec uses zstd's streaming side rather than
// EncodeAll because each Reset primes the stream's encoder, dictionary
// included, whether or not it is used: with EncodeAll every delta hashed
// its dictionary twice and every encoder held two sets of tables and
// history (measured: 2.3 MB per delta encoder, 0.5 ms per delta wasted).
// With concurrency 1 the stream encodes in the calling goroutine.
func encodeStream(enc *zstd.Encoder, src []byte) {
	// Writing to a frameWriter cannot fail, and neither can encoding.
	if _, err := enc.Write(src); err != nil {
		panic(fmt.Sprintf("zstd: %v", err))
	}
	if err := enc.Close(); err != nil {
		panic(fmt.Sprintf("zstd: %v", err))
	}
}

// decompress reverses compress, appending to dst.
func (c *codec) decompress(dst, frame []byte) ([]byte, error) {
	out, err := c.plainDec.DecodeAll(frame, dst)
	if err != nil {
		return nil, fmt.Errorf("zstd: %w", err)
	}
	return out, nil
}

// compressDelta returns src as a zstd frame that uses base as raw
// dictionary: what src shares with base costs almost nothing.
func (c *codec) compressDelta(base, src []byte) ([]byte, error) {
	c.deltaMu.Lock()
	defer c.deltaMu.Unlock()
	out := frameWriter(make([]byte, 0, len(src)/16))
	if c.deltaEnc != nil {
		if err := c.deltaEnc.ResetWithOptions(&out, zstd.WithEncoderDictRaw(deltaDictID, base)); err != nil {
			return nil, fmt.Errorf("zstd delta encoder: %w", err)
		}
	} else {
		// The deltas are nearly all matches, found as well by the fastest
		// level: on the printable policy's 300 bodies it costs 3.39 MB
		// against 3.30 MB at the default level, for 1.1 ms a delta instead
		// of 2.5 ms (most of it hashing the dictionary) and tables a
		// quarter of the size (measured).
		enc, err := zstd.NewWriter(&out,
			zstd.WithEncoderLevel(zstd.SpeedFastest),
			zstd.WithWindowSize(windowSize),
			zstd.WithLowerEncoderMem(true),
			zstd.WithEncoderConcurrency(1),
			zstd.WithEncoderDictRaw(deltaDictID, base))
		if err != nil {
			return nil, fmt.Errorf("zstd delta encoder: %w", err)
		}
		c.deltaEnc = enc
	}
	encodeStream(c.deltaEnc, src)
	return out, nil
}

// decompressDelta reverses compressDelta given the same base, appending
// to dst, which must not overlap base.
func (c *codec) decompressDelta(dst, base, frame []byte) ([]byte, error) {
	var dec *zstd.Decoder
	if d, ok := c.deltaDec.Get().(*zstd.Decoder); ok {
		if err := d.ResetWithOptions(nil, zstd.WithDecoderDictRaw(deltaDictID, base)); err != nil {
			return nil, fmt.Errorf("zstd delta decoder: %w", err)
		}
		dec = d
	} else {
		d, err := zstd.NewReader(nil,
			zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderMaxWindow(maxDecoderWindow),
			zstd.WithDecoderMaxMemory(maxPayloadSize),
			zstd.WithDecoderDictRaw(deltaDictID, base))
		if err != nil {
			return nil, fmt.Errorf("zstd delta decoder: %w", err)
		}
		dec = d
	}
	out, err := dec.DecodeAll(frame, dst)
	c.deltaDec.Put(dec)
	if err != nil {
		return nil, fmt.Errorf("zstd delta: %w", err)
	}
	return out, nil
}
