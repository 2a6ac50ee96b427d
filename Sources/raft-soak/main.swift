print("raft-soak: not yet")
