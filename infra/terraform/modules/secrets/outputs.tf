output "app_secret_id" {
  description = "The app's settings secret"
  value       = yandex_lockbox_secret.app.id
}

output "storage_keys_secret_id" {
  description = "The S3 keys secret"
  value       = yandex_lockbox_secret.storage_keys.id
}

output "secret_key_secret_id" {
  description = "The generated SAAS_SECRET_KEY"
  value       = yandex_lockbox_secret.secret_key.id
}

output "broker_secret_id" {
  description = "RabbitMQ's credentials secret"
  value       = yandex_lockbox_secret.broker.id
}
