variable "folder_id" {
  description = "Folder id"
  type        = string
}

variable "bucket_name" {
  description = "Files bucket name"
  type        = string
}

variable "access_log_bucket_name" {
  description = "Access log bucket name"
  type        = string
}

variable "kms_key_id" {
  description = "KMS key for server-side encryption"
  type        = string
}

variable "app_service_account_id" {
  description = "Service account reading and writing the files"
  type        = string
}

variable "keys_secret_id" {
  description = "Lockbox secret receiving the service account's S3 keys"
  type        = string
}

variable "allowed_origins" {
  description = "CORS origins: the platform, its wildcard and custom domains"
  type        = list(string)
}

variable "noncurrent_version_days" {
  description = "Days overwritten or deleted objects stay recoverable"
  type        = number
}

variable "labels" {
  description = "Tags"
  type        = map(string)
  default     = {}
}
