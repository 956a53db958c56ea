variable "name" {
  description = "Prefix of resource names"
  type        = string
}

variable "folder_id" {
  description = "Folder id"
  type        = string
}

variable "rotation_period" {
  description = "Key rotation period (old versions keep decrypting)"
  type        = string
  default     = "8760h"
}

variable "labels" {
  description = "Labels"
  type        = map(string)
  default     = {}
}
