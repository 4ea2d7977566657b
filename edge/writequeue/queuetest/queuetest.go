// Package queuetest holds what the write queue's tests share: origin addresses that refuse
// connections, and the settings of a Redis that keeps what it acknowledged.
package queuetest

// DurableRedis are redis-server settings (for edge/redistest.Start) under which a write Redis
// acknowledged is on disk, as the queue's accepts assume of a production Redis.
var DurableRedis = []string{"--appendonly", "yes", "--appendfsync", "always"}
