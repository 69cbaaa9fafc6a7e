print("augur-bench")
