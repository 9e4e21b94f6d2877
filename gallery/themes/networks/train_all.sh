#!/usr/bin/env bash
# Rebuilds the shipped instant networks: the training set from Debian's packages, then one
# `python -m engine train` per public-domain theme. Recorded in README.md beside this file.
#   bash gallery/themes/networks/train_all.sh [STEPS] [SIZE] [BATCH]
# Needs apt-get (root), the VGG16 weights (STYLE_WEIGHTS, default ../shared/weights/...).
set -euo pipefail
cd "$(dirname "$0")/../../.."
STEPS=${1:-1200}
SIZE=${2:-128}
BATCH=${3:-2}
WEIGHTS=${STYLE_WEIGHTS:-../shared/weights/vgg16-imagenet-features.pth}
WORK=${WORK:-/tmp/style-training}
PHOTOS=$WORK/debian-wallpaper-photos
OUT=gallery/themes/networks

# The training set: the photographs (not the drawings or abstract art) of two wallpaper packages.
mkdir -p "$WORK/debs" "$PHOTOS"
(cd "$WORK/debs" && apt-get download -qq mate-backgrounds lomiri-wallpapers-16.04 lomiri-wallpapers-20.04)
for deb in "$WORK"/debs/*.deb; do dpkg-deb -x "$deb" "$WORK/root"; done
cp "$WORK"/root/usr/share/backgrounds/mate/nature/*.jpg "$PHOTOS/"
for f in Bridge_by_Sander_Klootwijk Dragonfly_by_Bolly Picture_0B_by_freespace \
         Picture_1A_by_freespace Wine_by_Jakkub_Mede aitzgorri_by_Aitzol_Berasategi \
         free_by_Peter_Nerlich friends_by_Aitzol_Berasategi greentock_by_Peter_Nerlich \
         life_by_Aitzol_Berasategi picosdeeuropa_by_Aitzol_Berasategi \
         seeding_by_Clements_Engelhardt sunset_by_Aitzol_Berasategi Kleiber_by_Lukas_Baubkus; do
  cp "$WORK/root/usr/share/backgrounds/$f.jpg" "$PHOTOS/"
done
echo "training set: $(ls "$PHOTOS" | wc -l) photos in $PHOTOS"

for theme in starry_night the_scream wave the_shipwreck_of_the_minotaur udnie; do
  .venv/bin/python -m engine train "gallery/themes/$theme.jpg" --photos "$PHOTOS" \
    -o "$OUT/$theme.pt" --steps "$STEPS" --size "$SIZE" --batch "$BATCH" --seed 1 \
    --style-weight 3 --style-scale 2 --sample-every 0 --checkpoint-every 100 \
    --backbone vgg16 --weights "$WEIGHTS" --device cpu
done
