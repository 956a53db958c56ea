output "key_id" {
  description = "KMS key id"
  value       = yandex_kms_symmetric_key.this.id
}
