"""The document drive: per client organization, "For client" and "From client" folders,
versioned files in object storage (saas.storage), audited short-lived download links."""
