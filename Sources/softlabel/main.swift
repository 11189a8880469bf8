print("softlabel")
