// Package uselite is the Universal Sentence Encoder Lite in pure Go.
package uselite
