output "bucket" {
  description = "Files bucket name"
  value       = yandex_storage_bucket.files.bucket
}

output "storage_url" {
  description = "SAAS_STORAGE_URL without credentials (they come from the environment)"
  value       = "s3://storage.yandexcloud.net/${yandex_storage_bucket.files.bucket}?region=ru-central1"
}
