package field

var v S
