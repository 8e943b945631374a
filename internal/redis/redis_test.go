package redis_test

import (
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/journeybot/journeybot/internal/redis"
	"github.com/journeybot/journeybot/internal/redis/redistest"
	"github.com/journeybot/journeybot/internal/storetest"
	"github.com/journeybot/journeybot/internal/workshop"
)

func TestContract(t *testing.T) {
	storetest.Run(t, func(t *testing.T) workshop.Store {
		c, prefix := redistest.Client(t)
		return redis.New(c, prefix)
	})
	storetest.Installs(t, func(t *testing.T) storetest.InstallStore {
		c, prefix := redistest.Client(t)
		return redis.New(c, prefix)
	})
}

func BenchmarkPutInput(b *testing.B) {
	c, prefix := redistest.Client(b)
	s := redis.New(c, prefix)
	ctx := b.Context()
	if err := s.Create(ctx, &workshop.Meta{ID: "W1", Channel: "C1", Step: workshop.Goals}); err != nil {
		b.Fatal(err)
	}
	var n atomic.Int64
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			id := fmt.Sprintf("1741080600.%06d", n.Add(1))
			in := workshop.Input{ID: id, Step: workshop.Touchpoints, Author: "U1", Text: "Checkout: paid, no receipt", TS: id}
			if ok, err := s.PutInput(ctx, "W1", in); err != nil || !ok {
				b.Fatalf("PutInput = %v, %v", ok, err)
			}
		}
	})
}
