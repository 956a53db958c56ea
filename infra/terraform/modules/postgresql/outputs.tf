output "cluster_id" {
  description = "PostgreSQL cluster id"
  value       = yandex_mdb_postgresql_cluster.this.id
}

output "write_host" {
  description = "Special FQDN that always points at the current primary"
  value       = "c-${yandex_mdb_postgresql_cluster.this.id}.rw.mdb.yandexcloud.net"
}

output "connection_id" {
  description = "Connection Manager connection of the app's user (its password is in Lockbox)"
  value       = yandex_mdb_postgresql_user.app.connection_manager[0].connection_id
}
