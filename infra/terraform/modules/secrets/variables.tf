variable "name" {
  description = "Prefix of resource names"
  type        = string
}

variable "folder_id" {
  description = "Folder id"
  type        = string
}

variable "kms_key_id" {
  description = "KMS key encrypting the secrets"
  type        = string
}

variable "reader_account_ids" {
  description = "Service accounts that may read the payloads"
  type        = list(string)
}

variable "labels" {
  description = "Labels"
  type        = map(string)
  default     = {}
}
