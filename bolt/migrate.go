package bolt

import bbolt "go.etcd.io/bbolt"

// Upgrade from layout 1.
//
// Layout 1 kept every event in "events", keyed user, 0x00, sequence
// number: exactly layout 2's second tier (eventkey.go). The upgrade adds
// the empty first tier, which continues the sequence numbers, records the
// epoch width and the new version, in the transaction that checks the
// layout; no event moves. Users keep their empty users-bucket values
// until their next event lands in the first tier.

const layout1 = "1"

func migrateLayout1(tx *bbolt.Tx, w epochs) error {
	recent, err := tx.CreateBucket(bucketRecent)
	if err != nil {
		return err
	}
	if err := recent.SetSequence(tx.Bucket(bucketEvents).Sequence()); err != nil {
		return err
	}
	schema := tx.Bucket(bucketSchema)
	if err := schema.Put(keyEpochBits, []byte{byte(w)}); err != nil {
		return err
	}
	return schema.Put(keyLayout, []byte(layoutVersion))
}
