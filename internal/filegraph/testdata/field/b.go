package field

func get() int { return v.f }
