resource "yandex_vpc_network" "this" {
  name      = "${var.name}-net"
  folder_id = var.folder_id
  labels    = var.labels
}

# No VM has a public address: outbound traffic (Lockbox, Object Storage, Sentry, SMTP,
# webhooks, package mirrors) leaves through a NAT gateway.
resource "yandex_vpc_gateway" "nat" {
  name      = "${var.name}-nat"
  folder_id = var.folder_id
  labels    = var.labels
  shared_egress_gateway {}
}

resource "yandex_vpc_route_table" "private" {
  name       = "${var.name}-private"
  folder_id  = var.folder_id
  network_id = yandex_vpc_network.this.id
  labels     = var.labels

  static_route {
    destination_prefix = "0.0.0.0/0"
    gateway_id         = yandex_vpc_gateway.nat.id
  }
}

resource "yandex_vpc_subnet" "private" {
  for_each = var.subnets

  name           = "${var.name}-${each.key}"
  folder_id      = var.folder_id
  zone           = each.key
  network_id     = yandex_vpc_network.this.id
  v4_cidr_blocks = [each.value]
  route_table_id = yandex_vpc_route_table.private.id
  labels         = var.labels
}

# The load balancer's nodes live in subnets of their own, so that SAAS_TRUSTED_PROXIES names
# them and nothing else (another VM in the private subnets cannot set X-Forwarded-For).
resource "yandex_vpc_subnet" "alb" {
  for_each = var.alb_subnets

  name           = "${var.name}-alb-${each.key}"
  folder_id      = var.folder_id
  zone           = each.key
  network_id     = yandex_vpc_network.this.id
  v4_cidr_blocks = [each.value]
  labels         = var.labels
}

locals {
  cidrs = values(var.subnets)
  # Yandex's load balancer health checkers come from these ranges.
  health_check_cidrs = ["198.18.235.0/24", "198.18.248.0/24"]
}

resource "yandex_vpc_security_group" "alb" {
  name       = "${var.name}-alb"
  folder_id  = var.folder_id
  network_id = yandex_vpc_network.this.id
  labels     = var.labels

  ingress {
    description    = "HTTP (redirected to HTTPS; certificate challenges)"
    protocol       = "TCP"
    port           = 80
    v4_cidr_blocks = ["0.0.0.0/0"]
  }
  ingress {
    description    = "HTTPS: the cabinet, GraphQL, WebSocket"
    protocol       = "TCP"
    port           = 443
    v4_cidr_blocks = ["0.0.0.0/0"]
  }
  ingress {
    description    = "load balancer node health checks"
    protocol       = "TCP"
    port           = 30080
    v4_cidr_blocks = local.health_check_cidrs
  }
  egress {
    description    = "to the API VMs (and their health checks)"
    protocol       = "TCP"
    port           = var.app_port
    v4_cidr_blocks = local.cidrs
  }
}

resource "yandex_vpc_security_group" "app" {
  name       = "${var.name}-app"
  folder_id  = var.folder_id
  network_id = yandex_vpc_network.this.id
  labels     = var.labels

  ingress {
    description    = "health checks of the load balancer and the instance group"
    protocol       = "TCP"
    port           = var.app_port
    v4_cidr_blocks = local.health_check_cidrs
  }
  ingress {
    description    = "from the load balancer's nodes"
    protocol       = "TCP"
    port           = var.app_port
    v4_cidr_blocks = values(var.alb_subnets)
  }
  egress {
    description    = "PostgreSQL (Odyssey)"
    protocol       = "TCP"
    port           = 6432
    v4_cidr_blocks = local.cidrs
  }
  egress {
    description    = "RabbitMQ"
    protocol       = "TCP"
    port           = 5672
    v4_cidr_blocks = local.cidrs
  }
  egress {
    description    = "HTTPS: Object Storage, Lockbox, Cloud Logging, Sentry, container registry, webhooks"
    protocol       = "TCP"
    port           = 443
    v4_cidr_blocks = ["0.0.0.0/0"]
  }
  egress {
    description    = "SMTP submission (STARTTLS)"
    protocol       = "TCP"
    port           = 587
    v4_cidr_blocks = ["0.0.0.0/0"]
  }
  egress {
    description    = "SMTP over TLS"
    protocol       = "TCP"
    port           = 465
    v4_cidr_blocks = ["0.0.0.0/0"]
  }
  egress {
    description    = "Ubuntu package mirror at first boot (docker.io)"
    protocol       = "TCP"
    port           = 80
    v4_cidr_blocks = ["0.0.0.0/0"]
  }
  egress {
    description    = "the VPC's DNS resolver and metadata service"
    protocol       = "ANY"
    v4_cidr_blocks = concat(local.cidrs, ["169.254.169.254/32"])
    from_port      = 0
    to_port        = 65535
  }
}

resource "yandex_vpc_security_group" "database" {
  name       = "${var.name}-database"
  folder_id  = var.folder_id
  network_id = yandex_vpc_network.this.id
  labels     = var.labels

  ingress {
    description       = "PostgreSQL from the API and worker VMs only"
    protocol          = "TCP"
    port              = 6432
    security_group_id = yandex_vpc_security_group.app.id
  }
}

resource "yandex_vpc_security_group" "broker" {
  name       = "${var.name}-broker"
  folder_id  = var.folder_id
  network_id = yandex_vpc_network.this.id
  labels     = var.labels

  ingress {
    description       = "AMQP from the API and worker VMs only"
    protocol          = "TCP"
    port              = 5672
    security_group_id = yandex_vpc_security_group.app.id
  }
  egress {
    description    = "HTTPS: Lockbox, container registry, Cloud Logging"
    protocol       = "TCP"
    port           = 443
    v4_cidr_blocks = ["0.0.0.0/0"]
  }
  egress {
    description    = "Ubuntu package mirror at first boot (docker.io)"
    protocol       = "TCP"
    port           = 80
    v4_cidr_blocks = ["0.0.0.0/0"]
  }
  egress {
    description    = "the VPC's DNS resolver and metadata service"
    protocol       = "ANY"
    v4_cidr_blocks = concat(local.cidrs, ["169.254.169.254/32"])
    from_port      = 0
    to_port        = 65535
  }
}
