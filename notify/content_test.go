package notify

import "testing"

func TestExcerptCacheEvictsLeastRecent(t *testing.T) {
	c := newExcerptCache(2)
	a, b, d := infoKey{newID: 1}, infoKey{newID: 2}, infoKey{newID: 3}
	c.put(a, cachedInfo{title: "a"})
	c.put(b, cachedInfo{title: "b"})
	c.get(a) // b is now the least recent
	c.put(d, cachedInfo{title: "d"})
	if _, ok := c.get(b); ok {
		t.Error("b was kept; it was the least recently used")
	}
	for k, want := range map[infoKey]string{a: "a", d: "d"} {
		if got, ok := c.get(k); !ok || got.title != want {
			t.Errorf("get(%v) = %q, %v; want %q", k, got.title, ok, want)
		}
	}
	c.put(a, cachedInfo{title: "a2"})
	if got, _ := c.get(a); got.title != "a2" || len(c.items) != 2 || c.order.Len() != 2 {
		t.Errorf("after replacing a: %q, %d items, %d in order", got.title, len(c.items), c.order.Len())
	}
}
