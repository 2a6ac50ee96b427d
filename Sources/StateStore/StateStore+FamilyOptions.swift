internal import CRocksDB

extension StateStore {
    /// The RocksDB options of one column family: the database's, plus what
    /// `StateStoreOptions` asks for this family (blob files, no Bloom filters, level-0
    /// compaction trigger, insert hints). The caller owns the result and destroys it.
    /// - Throws: `.rocksdb` when RocksDB refuses a setting.
    static func familyOptions(of name: String, base: OpaquePointer,
                              options: StateStoreOptions) throws(StateStoreError) -> OpaquePointer {
        let family = rocksdb_options_create_copy(base)!
        if options.blobFamilies.contains(name) {
            rocksdb_options_set_enable_blob_files(family, 1)
            rocksdb_options_set_min_blob_size(family, options.minBlobSize)
            rocksdb_options_set_blob_file_size(family, options.blobFileSize)
            rocksdb_options_set_enable_blob_gc(family, 1)
            rocksdb_options_set_blob_compression_type(family, Int32(rocksdb_lz4_compression))
        }
        if options.unfilteredFamilies.contains(name) {
            let tablesWithoutFilter = rocksdb_block_based_options_create()!
            rocksdb_options_set_block_based_table_factory(family, tablesWithoutFilter)
            rocksdb_block_based_options_destroy(tablesWithoutFilter)
            rocksdb_options_set_memtable_prefix_bloom_size_ratio(family, 0)
            rocksdb_options_set_memtable_whole_key_filtering(family, 0)
        }
        if let trigger = options.level0CompactionTriggers[name] {
            // NB: RocksDB's defaults are 4 / 20 / 36 files; the write limits keep that
            // distance above the trigger, so gathering more files never stalls writes sooner.
            rocksdb_options_set_level0_file_num_compaction_trigger(family, Int32(trigger))
            rocksdb_options_set_level0_slowdown_writes_trigger(family, Int32(trigger + 16))
            rocksdb_options_set_level0_stop_writes_trigger(family, Int32(trigger + 32))
        }
        guard let prefixLength = options.insertHintPrefixLengths[name] else { return family }
        // NB: RocksDB 7.x's C API has no setter for this option; its options-string
        // parser knows it and copies every other setting from `family`.
        defer { rocksdb_options_destroy(family) }
        let hinted = rocksdb_options_create()!
        do {
            try rocksCall { error in
                rocksdb_get_options_from_string(
                    family, "memtable_insert_with_hint_prefix_extractor=rocksdb.FixedPrefix.\(prefixLength)",
                    hinted, error)
            }
        } catch {
            rocksdb_options_destroy(hinted)
            throw error
        }
        return hinted
    }
}
