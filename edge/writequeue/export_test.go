package writequeue

// Consumer is the name a group's Redis store delivers under: the value of the group's lease
// while it holds it.
func Consumer(m *Manager, group string) string { return m.queues[group].st.(*redisStore).consumer }
