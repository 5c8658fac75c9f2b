"""The practice-management system: a client protocol in practice words, the Open Dental adapter, and its simulator."""
