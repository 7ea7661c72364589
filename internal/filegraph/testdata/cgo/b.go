package cgo

func B() int { return 0 }

func H() int { return half(2) }
