"""Android app stores: apps whose installer is one of these came from a store, not a file.

``installerPackageName`` / ``installer=`` name the app that installed a package. A store listed here
reviews what it distributes; anything else (a browser download, a file manager, `adb install`, a
package-installer prompt, or nothing at all) means the app came from outside a store.
"""

from __future__ import annotations

KNOWN_STORES = frozenset(
    {
        "com.android.vending",  # Google Play
        "com.google.android.feedback",  # Google Play, on old Android versions
        "com.sec.android.app.samsungapps",  # Samsung Galaxy Store
        "com.amazon.venezia",  # Amazon Appstore
        "com.huawei.appmarket",  # Huawei AppGallery
        "com.xiaomi.market",  # Xiaomi GetApps
        "com.xiaomi.mipicks",  # Xiaomi GetApps (newer)
        "com.heytap.market",  # OPPO / realme App Market
        "com.oppo.market",  # OPPO App Market (older)
        "com.bbk.appstore",  # vivo App Store
        "com.vivo.appstore",  # vivo App Store (some regions)
        "com.oneplus.market",  # OnePlus
        "ru.vk.store",  # RuStore
        "org.fdroid.fdroid",  # F-Droid
        "com.aurora.store",  # Aurora Store (a Google Play client)
    }
)

# Code paths of apps that came with the phone (system partitions).
SYSTEM_PATH_PREFIXES = ("/system/", "/product/", "/vendor/", "/system_ext/", "/apex/", "/odm/", "/oem/")


def from_store(installer: str) -> bool:
    return installer in KNOWN_STORES


def is_system_path(path: str) -> bool:
    return path.startswith(SYSTEM_PATH_PREFIXES)
