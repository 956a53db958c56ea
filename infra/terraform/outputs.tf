output "load_balancer_ip" {
  description = "Point base_domain, *.base_domain and firms' custom domains here (A records)"
  value       = module.ingress.ip_address
}

output "certificate_challenges" {
  description = "DNS records proving domain ownership to Certificate Manager (renewals reuse them)"
  value       = module.ingress.certificate_challenges
}

output "database_host" {
  description = "Read-write host of the PostgreSQL cluster (port 6432, TLS)"
  value       = module.postgresql.write_host
}

output "database_connection_id" {
  description = "Connection Manager connection of the app's database user: names the Lockbox secret with its generated password"
  value       = module.postgresql.connection_id
}

output "broker_address" {
  description = "Private address of RabbitMQ (port 5672)"
  value       = module.broker.ip_address
}

output "app_secret_id" {
  description = "Lockbox secret to fill with the app's settings (README, step 5)"
  value       = module.secrets.app_secret_id
}

output "broker_secret_id" {
  description = "Lockbox secret with RabbitMQ's generated password (README, step 5)"
  value       = module.secrets.broker_secret_id
}

output "storage_url" {
  description = "SAAS_STORAGE_URL (keys come from Lockbox as AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY)"
  value       = module.storage.storage_url
}

output "log_group_id" {
  description = "Cloud Logging group of every Kabinet process and the load balancer"
  value       = yandex_logging_group.this.id
}
