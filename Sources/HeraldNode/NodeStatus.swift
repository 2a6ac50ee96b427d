/// A node's view of itself and its cluster, served as JSON by `/v1/status`.
public struct NodeStatus: Sendable {
    /// The cluster's name.
    public var clusterName: String
    /// This node's id.
    public var nodeID: UInt64
    /// This node's region.
    public var region: String
    /// The ids of every configured member.
    public var members: [UInt64]
    /// Seconds since the process started.
    public var uptimeSeconds: Double

    /// Creates a status.
    public init(clusterName: String, nodeID: UInt64, region: String, members: [UInt64], uptimeSeconds: Double) {
        self.clusterName = clusterName
        self.nodeID = nodeID
        self.region = region
        self.members = members
        self.uptimeSeconds = uptimeSeconds
    }

    /// The status as a JSON object.
    public var json: String {
        let memberList = members.map(String.init).joined(separator: ",")
        return """
            {"cluster":\(quoted(clusterName)),"node":\(nodeID),"region":\(quoted(region)),\
            "members":[\(memberList)],"uptimeSeconds":\(uptimeSeconds)}
            """
    }

    private func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case _ where scalar.value < 0x20: out += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
