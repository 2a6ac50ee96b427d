/// The keys the etcd load writes: `bench/<connection>/<sequence>`, unique within a run.
enum EtcdKey {
    /// Every key's prefix.
    static let prefix = "bench/"
}
