package store

import (
	"fmt"
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
	// is most of an encoder's memory: 2 MiB made each pooled delta encoder
	// 4.5 MB and a pass over 100 pages peak at 80 MiB (measured in bench/).
	windowSize = 1 << 20

	// maxDecoderWindow bounds the window a frame read back may declare; a
	// later policywatch may write larger windows than windowSize.
	maxDecoderWindow = 64 << 20

	// deltaDictID names the raw dictionary of a delta frame. Each frame has
	// exactly one dictionary, its base payload, so one id serves all.
	deltaDictID = 1
)

// codec compresses payloads and texts. Encoders and decoders are costly to
// create (measured on a 350 KB page with the previous one as dictionary: a
// new encoder takes 2.6 ms and allocates 5.4 MB; one reset with the new
// dictionary takes 2.5 ms and allocates 0.2 MB; a decoder 155 µs / 524 KB
// new against 50 µs / 11 KB reset), so delta coders are pooled and reset
// with each frame's dictionary. Encoders are pooled rather than held
// because a daemon spends nearly all its life idle: a held encoder keeps
// its tables and history (2.7 MB for the plain one) for nothing, pooled
// ones go with the garbage collections that follow a pass. One plain
// decoder, safe for concurrent DecodeAll, serves every frame without a
// dictionary.
type codec struct {
	// plainMu makes whole-body compression one at a time, as a single
	// held encoder did: compressing several first captures at once peaked
	// a pass over 100 new pages 5 MiB higher for no gain in time on 2
	// cores. So the pool holds one encoder at most.
	plainMu  sync.Mutex
	plainEnc sync.Pool // *zstd.Encoder without dictionary
	plainDec *zstd.Decoder
	deltaEnc sync.Pool // *zstd.Encoder, dictionary set per frame
	deltaDec sync.Pool // *zstd.Decoder, dictionary set per frame
}

func newCodec() (*codec, error) {
	enc, err := newPlainEncoder()
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
	c := &codec{plainDec: dec}
	c.plainEnc.Put(enc)
	return c, nil
}

// newPlainEncoder makes an encoder for whole bodies, version texts and
// fact sheets. The best level's tables cost 68 MiB (measured in bench/),
// and the better level made compression a quarter of a first capture's
// CPU; the default level costs ~1% more space on the printable history
// (3.26 → 3.30 MB) since most bodies are deltas anyway. One block at a
// time: a daemon on a small server has no use for parallel compression of
// a 400 KB page.
func newPlainEncoder() (*zstd.Encoder, error) {
	enc, err := zstd.NewWriter(nil,
		zstd.WithEncoderLevel(zstd.SpeedDefault),
		zstd.WithWindowSize(windowSize),
		zstd.WithLowerEncoderMem(true),
		zstd.WithEncoderConcurrency(1))
	if err != nil {
		return nil, fmt.Errorf("zstd encoder: %w", err)
	}
	return enc, nil
}

func (c *codec) close() {
	c.plainDec.Close()
	// Pooled coders hold no goroutines with concurrency 1 and EncodeAll /
	// DecodeAll only; the pool lets the garbage collector have them.
}

// compress returns src as a zstd frame without dictionary.
func (c *codec) compress(src []byte) []byte {
	c.plainMu.Lock()
	defer c.plainMu.Unlock()
	enc, ok := c.plainEnc.Get().(*zstd.Encoder)
	if !ok {
		var err error
		if enc, err = newPlainEncoder(); err != nil {
			panic(err) // newCodec made one with the same options
		}
	}
	out := enc.EncodeAll(src, make([]byte, 0, len(src)/4))
	c.plainEnc.Put(enc)
	return out
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
	var enc *zstd.Encoder
	if e, ok := c.deltaEnc.Get().(*zstd.Encoder); ok {
		if err := e.ResetWithOptions(nil, zstd.WithEncoderDictRaw(deltaDictID, base)); err != nil {
			return nil, fmt.Errorf("zstd delta encoder: %w", err)
		}
		enc = e
	} else {
		// The deltas are nearly all matches, found as well by the fastest
		// level: on the printable policy's 300 bodies it costs 3.39 MB
		// against 3.30 MB at the default level, for 1.1 ms a delta instead
		// of 2.5 ms (most of it hashing the dictionary) and tables a
		// quarter of the size (measured).
		e, err := zstd.NewWriter(nil,
			zstd.WithEncoderLevel(zstd.SpeedFastest),
			zstd.WithWindowSize(windowSize),
			zstd.WithLowerEncoderMem(true),
			zstd.WithEncoderConcurrency(1),
			zstd.WithEncoderDictRaw(deltaDictID, base))
		if err != nil {
			return nil, fmt.Errorf("zstd delta encoder: %w", err)
		}
		enc = e
	}
	out := enc.EncodeAll(src, nil)
	c.deltaEnc.Put(enc)
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
